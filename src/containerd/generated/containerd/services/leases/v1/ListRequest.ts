// Original file: src/containerd/proto/leases.proto


export interface ListRequest {
  'filters'?: (string)[];
}

export interface ListRequest__Output {
  'filters': (string)[];
}
