// Original file: src/containerd/proto/content.proto


export interface InfoRequest {
  'digest'?: (string);
}

export interface InfoRequest__Output {
  'digest': (string);
}
