// Original file: src/containerd/proto/tasks.proto


export interface ListPidsRequest {
  'containerId'?: (string);
}

export interface ListPidsRequest__Output {
  'containerId': (string);
}
