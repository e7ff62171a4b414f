// Original file: src/containerd/proto/tasks.proto


export interface StartResponse {
  'pid'?: (number);
}

export interface StartResponse__Output {
  'pid': (number);
}
