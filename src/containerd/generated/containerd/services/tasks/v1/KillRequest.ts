// Original file: src/containerd/proto/tasks.proto


export interface KillRequest {
  'containerId'?: (string);
  'execId'?: (string);
  'signal'?: (number);
  'all'?: (boolean);
}

export interface KillRequest__Output {
  'containerId': (string);
  'execId': (string);
  'signal': (number);
  'all': (boolean);
}
