// Original file: src/containerd/proto/namespaces.proto

import type { Namespace as _containerd_services_namespaces_v1_Namespace, Namespace__Output as _containerd_services_namespaces_v1_Namespace__Output } from '../../../../containerd/services/namespaces/v1/Namespace.js';

export interface CreateNamespaceResponse {
  'namespace'?: (_containerd_services_namespaces_v1_Namespace | null);
}

export interface CreateNamespaceResponse__Output {
  'namespace': (_containerd_services_namespaces_v1_Namespace__Output | null);
}
