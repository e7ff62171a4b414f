// Original file: src/containerd/proto/tasks.proto


export interface CreateTaskResponse {
  'containerId'?: (string);
  'pid'?: (number);
}

export interface CreateTaskResponse__Output {
  'containerId': (string);
  'pid': (number);
}
