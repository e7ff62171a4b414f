// Original file: src/containerd/proto/namespaces.proto


export interface GetNamespaceRequest {
  'name'?: (string);
}

export interface GetNamespaceRequest__Output {
  'name': (string);
}
