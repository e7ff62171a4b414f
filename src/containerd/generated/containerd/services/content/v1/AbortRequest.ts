// Original file: src/containerd/proto/content.proto


export interface AbortRequest {
  'ref'?: (string);
}

export interface AbortRequest__Output {
  'ref': (string);
}
