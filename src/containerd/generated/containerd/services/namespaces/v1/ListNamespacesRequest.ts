// Original file: src/containerd/proto/namespaces.proto


export interface ListNamespacesRequest {
  'filter'?: (string);
}

export interface ListNamespacesRequest__Output {
  'filter': (string);
}
