import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplyRequest as _containerd_services_diff_v1_ApplyRequest, ApplyRequest__Output as _containerd_services_diff_v1_ApplyRequest__Output } from './containerd/services/diff/v1/ApplyRequest.js';
import type { ApplyResponse as _containerd_services_diff_v1_ApplyResponse, ApplyResponse__Output as _containerd_services_diff_v1_ApplyResponse__Output } from './containerd/services/diff/v1/ApplyResponse.js';
import type { DiffClient as _containerd_services_diff_v1_DiffClient, DiffDefinition as _containerd_services_diff_v1_DiffDefinition } from './containerd/services/diff/v1/Diff.js';
import type { DiffRequest as _containerd_services_diff_v1_DiffRequest, DiffRequest__Output as _containerd_services_diff_v1_DiffRequest__Output } from './containerd/services/diff/v1/DiffRequest.js';
import type { DiffResponse as _containerd_services_diff_v1_DiffResponse, DiffResponse__Output as _containerd_services_diff_v1_DiffResponse__Output } from './containerd/services/diff/v1/DiffResponse.js';
import type { Descriptor as _containerd_types_Descriptor, Descriptor__Output as _containerd_types_Descriptor__Output } from './containerd/types/Descriptor.js';
import type { Mount as _containerd_types_Mount, Mount__Output as _containerd_types_Mount__Output } from './containerd/types/Mount.js';
import type { Any as _google_protobuf_Any, Any__Output as _google_protobuf_Any__Output } from './google/protobuf/Any.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  containerd: {
    services: {
      diff: {
        v1: {
          ApplyRequest: MessageTypeDefinition<_containerd_services_diff_v1_ApplyRequest, _containerd_services_diff_v1_ApplyRequest__Output>
          ApplyResponse: MessageTypeDefinition<_containerd_services_diff_v1_ApplyResponse, _containerd_services_diff_v1_ApplyResponse__Output>
          Diff: SubtypeConstructor<typeof grpc.Client, _containerd_services_diff_v1_DiffClient> & { service: _containerd_services_diff_v1_DiffDefinition }
          DiffRequest: MessageTypeDefinition<_containerd_services_diff_v1_DiffRequest, _containerd_services_diff_v1_DiffRequest__Output>
          DiffResponse: MessageTypeDefinition<_containerd_services_diff_v1_DiffResponse, _containerd_services_diff_v1_DiffResponse__Output>
        }
      }
    }
    types: {
      Descriptor: MessageTypeDefinition<_containerd_types_Descriptor, _containerd_types_Descriptor__Output>
      Mount: MessageTypeDefinition<_containerd_types_Mount, _containerd_types_Mount__Output>
    }
  }
  google: {
    protobuf: {
      Any: MessageTypeDefinition<_google_protobuf_Any, _google_protobuf_Any__Output>
    }
  }
}

