// Original file: src/containerd/proto/leases.proto


export interface DeleteRequest {
  'id'?: (string);
  'sync'?: (boolean);
}

export interface DeleteRequest__Output {
  'id': (string);
  'sync': (boolean);
}
