// Original file: src/containerd/proto/containers.proto


export interface GetContainerRequest {
  'id'?: (string);
}

export interface GetContainerRequest__Output {
  'id': (string);
}
