// Original file: src/containerd/proto/tasks.proto

import type { Metric as _containerd_services_tasks_v1_Metric, Metric__Output as _containerd_services_tasks_v1_Metric__Output } from '../../../../containerd/services/tasks/v1/Metric.js';

export interface MetricsResponse {
  'metrics'?: (_containerd_services_tasks_v1_Metric)[];
}

export interface MetricsResponse__Output {
  'metrics': (_containerd_services_tasks_v1_Metric__Output)[];
}
