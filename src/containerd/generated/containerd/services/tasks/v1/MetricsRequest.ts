// Original file: src/containerd/proto/tasks.proto


export interface MetricsRequest {
  'filters'?: (string)[];
}

export interface MetricsRequest__Output {
  'filters': (string)[];
}
