// Original file: src/containerd/proto/content.proto


export interface DeleteContentRequest {
  'digest'?: (string);
}

export interface DeleteContentRequest__Output {
  'digest': (string);
}
