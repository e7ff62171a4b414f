// Original file: src/containerd/proto/content.proto


export interface ListContentRequest {
  'filters'?: (string)[];
}

export interface ListContentRequest__Output {
  'filters': (string)[];
}
