// Original file: src/containerd/proto/event-types.proto


export interface TaskStart {
  'containerId'?: (string);
  'pid'?: (number);
}

export interface TaskStart__Output {
  'containerId': (string);
  'pid': (number);
}
