// Original file: src/containerd/proto/tasks.proto


export interface StartRequest {
  'containerId'?: (string);
  'execId'?: (string);
}

export interface StartRequest__Output {
  'containerId': (string);
  'execId': (string);
}
