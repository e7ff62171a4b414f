// Original file: src/containerd/proto/event-types.proto


export interface TaskOOM {
  'containerId'?: (string);
}

export interface TaskOOM__Output {
  'containerId': (string);
}
