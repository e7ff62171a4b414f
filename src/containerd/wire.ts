/**
 * The wire types of each containerd service we call, from the types generated out of our .proto subset
 * (src/containerd/generated, `npm run gen:proto`). A call names its service and method as strings;
 * these types make a misspelt method, a misspelt request field or a wrong response shape fail to compile.
 */
import type * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import type {
  ContainersClient,
  ContainersDefinition,
} from './generated/containerd/services/containers/v1/Containers.js';
import type { ContentClient, ContentDefinition } from './generated/containerd/services/content/v1/Content.js';
import type { DiffClient, DiffDefinition } from './generated/containerd/services/diff/v1/Diff.js';
import type { EventsClient, EventsDefinition } from './generated/containerd/services/events/v1/Events.js';
import type { ImagesClient, ImagesDefinition } from './generated/containerd/services/images/v1/Images.js';
import type { LeasesClient, LeasesDefinition } from './generated/containerd/services/leases/v1/Leases.js';
import type {
  NamespacesClient,
  NamespacesDefinition,
} from './generated/containerd/services/namespaces/v1/Namespaces.js';
import type {
  SnapshotsClient,
  SnapshotsDefinition,
} from './generated/containerd/services/snapshots/v1/Snapshots.js';
import type { TasksClient, TasksDefinition } from './generated/containerd/services/tasks/v1/Tasks.js';
import type { VersionClient, VersionDefinition } from './generated/containerd/services/version/v1/Version.js';

/** Our short service names and the full names the .proto files declare them under. */
export const SERVICES = {
  version: 'containerd.services.version.v1.Version',
  namespaces: 'containerd.services.namespaces.v1.Namespaces',
  containers: 'containerd.services.containers.v1.Containers',
  tasks: 'containerd.services.tasks.v1.Tasks',
  content: 'containerd.services.content.v1.Content',
  images: 'containerd.services.images.v1.Images',
  snapshots: 'containerd.services.snapshots.v1.Snapshots',
  diff: 'containerd.services.diff.v1.Diff',
  leases: 'containerd.services.leases.v1.Leases',
  events: 'containerd.services.events.v1.Events',
} as const;
export type ServiceName = keyof typeof SERVICES;

interface Definitions {
  version: VersionDefinition;
  namespaces: NamespacesDefinition;
  containers: ContainersDefinition;
  tasks: TasksDefinition;
  content: ContentDefinition;
  images: ImagesDefinition;
  snapshots: SnapshotsDefinition;
  diff: DiffDefinition;
  leases: LeasesDefinition;
  events: EventsDefinition;
}

interface Clients {
  version: VersionClient;
  namespaces: NamespacesClient;
  containers: ContainersClient;
  tasks: TasksClient;
  content: ContentClient;
  images: ImagesClient;
  snapshots: SnapshotsClient;
  diff: DiffClient;
  leases: LeasesClient;
  events: EventsClient;
}

/** The keys a type spells out, without the index signature grpc.ServiceDefinition lends every service. */
type KnownKeys<T> = keyof { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The methods a service's .proto declares, by their proto names (`Create`, `List`, ...). */
export type MethodOf<S extends ServiceName> = KnownKeys<Definitions[S]> & keyof Clients[S] & string;

/** What a request may hold: every field optional, as proto3 defaults absent ones. */
export type RequestOf<S extends ServiceName, M extends MethodOf<S>> =
  Definitions[S][M] extends MethodDefinition<infer Req, infer _Res, infer _ReqOut, infer _ResOut>
    ? Req
    : never;

/** What a response holds as decoded: defaults filled in, messages `| null` when absent. */
export type ResponseOf<S extends ServiceName, M extends MethodOf<S>> =
  Definitions[S][M] extends MethodDefinition<infer _Req, infer _Res, infer _ReqOut, infer ResOut>
    ? ResOut
    : never;

// A server stream also has every member of a unary call, so the streaming shapes are tested first.
type CallShape<R> =
  R extends grpc.ClientDuplexStream<infer _I, infer _O>
    ? 'duplex'
    : R extends grpc.ClientReadableStream<infer _O>
      ? 'server-stream'
      : R extends grpc.ClientWritableStream<infer _I>
        ? 'client-stream'
        : 'unary';

type ShapeOf<S extends ServiceName, M extends MethodOf<S>> = Clients[S][M] extends (
  ...args: infer _A
) => infer R
  ? CallShape<R>
  : never;

type MethodsShaped<S extends ServiceName, Shape extends string> = {
  [M in MethodOf<S>]: ShapeOf<S, M> extends Shape ? M : never;
}[MethodOf<S>];

export type UnaryMethod<S extends ServiceName> = MethodsShaped<S, 'unary'>;
export type ServerStreamMethod<S extends ServiceName> = MethodsShaped<S, 'server-stream'>;
export type DuplexMethod<S extends ServiceName> = MethodsShaped<S, 'duplex'>;
