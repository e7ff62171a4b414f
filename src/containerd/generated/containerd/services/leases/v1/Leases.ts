// Original file: src/containerd/proto/leases.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateRequest as _containerd_services_leases_v1_CreateRequest, CreateRequest__Output as _containerd_services_leases_v1_CreateRequest__Output } from '../../../../containerd/services/leases/v1/CreateRequest.js';
import type { CreateResponse as _containerd_services_leases_v1_CreateResponse, CreateResponse__Output as _containerd_services_leases_v1_CreateResponse__Output } from '../../../../containerd/services/leases/v1/CreateResponse.js';
import type { DeleteRequest as _containerd_services_leases_v1_DeleteRequest, DeleteRequest__Output as _containerd_services_leases_v1_DeleteRequest__Output } from '../../../../containerd/services/leases/v1/DeleteRequest.js';
import type { Empty as _google_protobuf_Empty, Empty__Output as _google_protobuf_Empty__Output } from '../../../../google/protobuf/Empty.js';
import type { ListRequest as _containerd_services_leases_v1_ListRequest, ListRequest__Output as _containerd_services_leases_v1_ListRequest__Output } from '../../../../containerd/services/leases/v1/ListRequest.js';
import type { ListResponse as _containerd_services_leases_v1_ListResponse, ListResponse__Output as _containerd_services_leases_v1_ListResponse__Output } from '../../../../containerd/services/leases/v1/ListResponse.js';

export interface LeasesClient extends grpc.Client {
  Create(argument: _containerd_services_leases_v1_CreateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _containerd_services_leases_v1_CreateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _containerd_services_leases_v1_CreateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  Create(argument: _containerd_services_leases_v1_CreateRequest, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _containerd_services_leases_v1_CreateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _containerd_services_leases_v1_CreateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _containerd_services_leases_v1_CreateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  create(argument: _containerd_services_leases_v1_CreateRequest, callback: grpc.requestCallback<_containerd_services_leases_v1_CreateResponse__Output>): grpc.ClientUnaryCall;
  
  Delete(argument: _containerd_services_leases_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Delete(argument: _containerd_services_leases_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Delete(argument: _containerd_services_leases_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  Delete(argument: _containerd_services_leases_v1_DeleteRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  delete(argument: _containerd_services_leases_v1_DeleteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  delete(argument: _containerd_services_leases_v1_DeleteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  delete(argument: _containerd_services_leases_v1_DeleteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  delete(argument: _containerd_services_leases_v1_DeleteRequest, callback: grpc.requestCallback<_google_protobuf_Empty__Output>): grpc.ClientUnaryCall;
  
  List(argument: _containerd_services_leases_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _containerd_services_leases_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _containerd_services_leases_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  List(argument: _containerd_services_leases_v1_ListRequest, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _containerd_services_leases_v1_ListRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _containerd_services_leases_v1_ListRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _containerd_services_leases_v1_ListRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  list(argument: _containerd_services_leases_v1_ListRequest, callback: grpc.requestCallback<_containerd_services_leases_v1_ListResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface LeasesHandlers extends grpc.UntypedServiceImplementation {
  Create: grpc.handleUnaryCall<_containerd_services_leases_v1_CreateRequest__Output, _containerd_services_leases_v1_CreateResponse>;
  
  Delete: grpc.handleUnaryCall<_containerd_services_leases_v1_DeleteRequest__Output, _google_protobuf_Empty>;
  
  List: grpc.handleUnaryCall<_containerd_services_leases_v1_ListRequest__Output, _containerd_services_leases_v1_ListResponse>;
  
}

export interface LeasesDefinition extends grpc.ServiceDefinition {
  Create: MethodDefinition<_containerd_services_leases_v1_CreateRequest, _containerd_services_leases_v1_CreateResponse, _containerd_services_leases_v1_CreateRequest__Output, _containerd_services_leases_v1_CreateResponse__Output>
  Delete: MethodDefinition<_containerd_services_leases_v1_DeleteRequest, _google_protobuf_Empty, _containerd_services_leases_v1_DeleteRequest__Output, _google_protobuf_Empty__Output>
  List: MethodDefinition<_containerd_services_leases_v1_ListRequest, _containerd_services_leases_v1_ListResponse, _containerd_services_leases_v1_ListRequest__Output, _containerd_services_leases_v1_ListResponse__Output>
}
