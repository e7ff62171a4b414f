import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { CreateNamespaceRequest as _containerd_services_namespaces_v1_CreateNamespaceRequest, CreateNamespaceRequest__Output as _containerd_services_namespaces_v1_CreateNamespaceRequest__Output } from './containerd/services/namespaces/v1/CreateNamespaceRequest.js';
import type { CreateNamespaceResponse as _containerd_services_namespaces_v1_CreateNamespaceResponse, CreateNamespaceResponse__Output as _containerd_services_namespaces_v1_CreateNamespaceResponse__Output } from './containerd/services/namespaces/v1/CreateNamespaceResponse.js';
import type { DeleteNamespaceRequest as _containerd_services_namespaces_v1_DeleteNamespaceRequest, DeleteNamespaceRequest__Output as _containerd_services_namespaces_v1_DeleteNamespaceRequest__Output } from './containerd/services/namespaces/v1/DeleteNamespaceRequest.js';
import type { GetNamespaceRequest as _containerd_services_namespaces_v1_GetNamespaceRequest, GetNamespaceRequest__Output as _containerd_services_namespaces_v1_GetNamespaceRequest__Output } from './containerd/services/namespaces/v1/GetNamespaceRequest.js';
import type { GetNamespaceResponse as _containerd_services_namespaces_v1_GetNamespaceResponse, GetNamespaceResponse__Output as _containerd_services_namespaces_v1_GetNamespaceResponse__Output } from './containerd/services/namespaces/v1/GetNamespaceResponse.js';
import type { ListNamespacesRequest as _containerd_services_namespaces_v1_ListNamespacesRequest, ListNamespacesRequest__Output as _containerd_services_namespaces_v1_ListNamespacesRequest__Output } from './containerd/services/namespaces/v1/ListNamespacesRequest.js';
import type { ListNamespacesResponse as _containerd_services_namespaces_v1_ListNamespacesResponse, ListNamespacesResponse__Output as _containerd_services_namespaces_v1_ListNamespacesResponse__Output } from './containerd/services/namespaces/v1/ListNamespacesResponse.js';
import type { Namespace as _containerd_services_namespaces_v1_Namespace, Namespace__Output as _containerd_services_namespaces_v1_Namespace__Output } from './containerd/services/namespaces/v1/Namespace.js';
import type { NamespacesClient as _containerd_services_namespaces_v1_NamespacesClient, NamespacesDefinition as _containerd_services_namespaces_v1_NamespacesDefinition } from './containerd/services/namespaces/v1/Namespaces.js';
import type { UpdateNamespaceRequest as _containerd_services_namespaces_v1_UpdateNamespaceRequest, UpdateNamespaceRequest__Output as _containerd_services_namespaces_v1_UpdateNamespaceRequest__Output } from './containerd/services/namespaces/v1/UpdateNamespaceRequest.js';
import type { UpdateNamespaceResponse as _containerd_services_namespaces_v1_UpdateNamespaceResponse, UpdateNamespaceResponse__Output as _containerd_services_namespaces_v1_UpdateNamespaceResponse__Output } from './containerd/services/namespaces/v1/UpdateNamespaceResponse.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from './google/protobuf/Empty.js';
import type { FieldMask as _google_protobuf_FieldMask, FieldMask__Output as _google_protobuf_FieldMask__Output } from './google/protobuf/FieldMask.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  containerd: {
    services: {
      namespaces: {
        v1: {
          CreateNamespaceRequest: MessageTypeDefinition<_containerd_services_namespaces_v1_CreateNamespaceRequest, _containerd_services_namespaces_v1_CreateNamespaceRequest__Output>
          CreateNamespaceResponse: MessageTypeDefinition<_containerd_services_namespaces_v1_CreateNamespaceResponse, _containerd_services_namespaces_v1_CreateNamespaceResponse__Output>
          DeleteNamespaceRequest: MessageTypeDefinition<_containerd_services_namespaces_v1_DeleteNamespaceRequest, _containerd_services_namespaces_v1_DeleteNamespaceRequest__Output>
          GetNamespaceRequest: MessageTypeDefinition<_containerd_services_namespaces_v1_GetNamespaceRequest, _containerd_services_namespaces_v1_GetNamespaceRequest__Output>
          GetNamespaceResponse: MessageTypeDefinition<_containerd_services_namespaces_v1_GetNamespaceResponse, _containerd_services_namespaces_v1_GetNamespaceResponse__Output>
          ListNamespacesRequest: MessageTypeDefinition<_containerd_services_namespaces_v1_ListNamespacesRequest, _containerd_services_namespaces_v1_ListNamespacesRequest__Output>
          ListNamespacesResponse: MessageTypeDefinition<_containerd_services_namespaces_v1_ListNamespacesResponse, _containerd_services_namespaces_v1_ListNamespacesResponse__Output>
          Namespace: MessageTypeDefinition<_containerd_services_namespaces_v1_Namespace, _containerd_services_namespaces_v1_Namespace__Output>
          Namespaces: SubtypeConstructor<typeof grpc.Client, _containerd_services_namespaces_v1_NamespacesClient> & { service: _containerd_services_namespaces_v1_NamespacesDefinition }
          UpdateNamespaceRequest: MessageTypeDefinition<_containerd_services_namespaces_v1_UpdateNamespaceRequest, _containerd_services_namespaces_v1_UpdateNamespaceRequest__Output>
          UpdateNamespaceResponse: MessageTypeDefinition<_containerd_services_namespaces_v1_UpdateNamespaceResponse, _containerd_services_namespaces_v1_UpdateNamespaceResponse__Output>
        }
      }
    }
  }
  google: {
    protobuf: {
      Empty: MessageTypeDefinition<_google_protobuf_Empty, _google_protobuf_Empty__Output>
      FieldMask: MessageTypeDefinition<_google_protobuf_FieldMask, _google_protobuf_FieldMask__Output>
    }
  }
}

