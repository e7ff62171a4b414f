// Original file: src/containerd/proto/containers.proto


export interface DeleteContainerRequest {
  'id'?: (string);
}

export interface DeleteContainerRequest__Output {
  'id': (string);
}
