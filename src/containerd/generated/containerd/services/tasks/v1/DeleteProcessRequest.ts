// Original file: src/containerd/proto/tasks.proto


export interface DeleteProcessRequest {
  'containerId'?: (string);
  'execId'?: (string);
}

export interface DeleteProcessRequest__Output {
  'containerId': (string);
  'execId': (string);
}
