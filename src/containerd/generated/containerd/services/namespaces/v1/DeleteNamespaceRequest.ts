// Original file: src/containerd/proto/namespaces.proto


export interface DeleteNamespaceRequest {
  'name'?: (string);
}

export interface DeleteNamespaceRequest__Output {
  'name': (string);
}
