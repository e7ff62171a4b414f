// Original file: src/containerd/proto/tasks.proto


export interface DeleteTaskRequest {
  'containerId'?: (string);
}

export interface DeleteTaskRequest__Output {
  'containerId': (string);
}
