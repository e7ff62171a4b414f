// Original file: src/containerd/proto/tasks.proto


export interface WaitRequest {
  'containerId'?: (string);
  'execId'?: (string);
}

export interface WaitRequest__Output {
  'containerId': (string);
  'execId': (string);
}
