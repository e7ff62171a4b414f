// Original file: src/containerd/proto/tasks.proto


export interface ListTasksRequest {
  'filter'?: (string);
}

export interface ListTasksRequest__Output {
  'filter': (string);
}
