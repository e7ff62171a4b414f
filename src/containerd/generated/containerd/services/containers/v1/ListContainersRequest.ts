// Original file: src/containerd/proto/containers.proto


export interface ListContainersRequest {
  'filters'?: (string)[];
}

export interface ListContainersRequest__Output {
  'filters': (string)[];
}
