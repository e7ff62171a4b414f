// Original file: src/containerd/proto/content.proto


export interface StatusRequest {
  'ref'?: (string);
}

export interface StatusRequest__Output {
  'ref': (string);
}
