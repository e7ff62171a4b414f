import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { seaAssetDir } from '../assets.js';
import { fromServiceError, isServiceError } from './errors.js';
import { UnavailableError } from '../errors.js';

const PROTO_FILES = [
  'version.proto',
  'namespaces.proto',
  'containers.proto',
  'tasks.proto',
  'content.proto',
  'images.proto',
  'snapshots.proto',
  'diff.proto',
  'leases.proto',
  'events.proto',
  'event-types.proto',
];

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

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
};

let cachedDefinition: protoLoader.PackageDefinition | undefined;

export function protoDir(): string {
  const sea = seaAssetDir();
  return sea ? join(sea, 'proto') : fileURLToPath(new URL('./proto/', import.meta.url));
}

/** Parsed once per process: the .proto files never change at run time. */
export function packageDefinition(): protoLoader.PackageDefinition {
  cachedDefinition ??= protoLoader.loadSync(PROTO_FILES, { ...LOADER_OPTIONS, includeDirs: [protoDir()] });
  return cachedDefinition;
}

export interface CallOptions {
  /** Lease id sent as `containerd-lease`, so what the call creates is kept until the lease ends. */
  lease?: string | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;
type UnaryFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;

/** One channel to containerd's socket, shared by every service client and every namespace view. */
export class GrpcConnection {
  private readonly clients = new Map<ServiceName, AnyClient>();
  private channel: grpc.Channel | undefined;

  constructor(readonly address: string) {}

  client(name: ServiceName): AnyClient {
    const existing = this.clients.get(name);
    if (existing) return existing;
    const def = packageDefinition()[SERVICES[name]];
    if (!def) throw new Error(`service ${SERVICES[name]} is missing from the proto subset`);
    const Ctor = grpc.makeGenericClientConstructor(def as grpc.ServiceDefinition, name);
    const target = this.address.startsWith('unix:') ? this.address : `unix://${this.address}`;
    const options: grpc.ChannelOptions = {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      'grpc.max_send_message_length': 64 * 1024 * 1024,
    };
    if (this.channel) options.channelOverride = this.channel;
    const created = new Ctor(target, grpc.credentials.createInsecure(), options) as unknown as AnyClient;
    this.channel ??= created.getChannel() as grpc.Channel;
    this.clients.set(name, created);
    return created;
  }

  metadata(namespace: string, opts: CallOptions): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set('containerd-namespace', namespace);
    if (opts.lease) md.set('containerd-lease', opts.lease);
    return md;
  }

  unary<Res>(
    namespace: string,
    service: ServiceName,
    method: string,
    req: object,
    opts: CallOptions = {},
  ): Promise<Res> {
    const client = this.client(service);
    const fn = client[method] as unknown as UnaryFn | undefined;
    if (!fn) throw new Error(`${service}.${method} is not in the proto subset`);
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? 60_000));
    return new Promise<Res>((resolve, reject) => {
      const call = fn.call(client, req, this.metadata(namespace, opts), { deadline }, (err, res) => {
        if (err) reject(fromServiceError(`${service}.${method}`, err));
        else resolve(res as Res);
      });
      opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  serverStream(
    namespace: string,
    service: ServiceName,
    method: string,
    req: object,
    opts: CallOptions = {},
  ): grpc.ClientReadableStream<unknown> {
    const client = this.client(service);
    const fn = client[method] as unknown as (
      req: unknown,
      md: grpc.Metadata,
      o?: grpc.CallOptions,
    ) => grpc.ClientReadableStream<unknown>;
    const callOpts: grpc.CallOptions = {};
    if (opts.timeoutMs) callOpts.deadline = new Date(Date.now() + opts.timeoutMs);
    const call = fn.call(client, req, this.metadata(namespace, opts), callOpts);
    opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    return call;
  }

  duplex(
    namespace: string,
    service: ServiceName,
    method: string,
    opts: CallOptions = {},
  ): grpc.ClientDuplexStream<unknown, unknown> {
    const client = this.client(service);
    const fn = client[method] as unknown as (md: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown>;
    return fn.call(client, this.metadata(namespace, opts));
  }

  /** Resolves once the socket answers, or fails with UnavailableError after `timeoutMs`. */
  async waitReady(timeoutMs: number): Promise<void> {
    const client = this.client('version');
    await new Promise<void>((resolve, reject) => {
      client.waitForReady(Date.now() + timeoutMs, (err) => {
        if (err)
          reject(
            new UnavailableError(`containerd at ${this.address} is not reachable: ${err.message}`, {
              cause: err,
            }),
          );
        else resolve();
      });
    });
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
    this.channel = undefined;
  }
}

/** Collects a server stream into an array, mapping a failure once. */
export async function collect<T>(label: string, stream: grpc.ClientReadableStream<unknown>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const item of stream) out.push(item as T);
  } catch (err) {
    throw isServiceError(err) ? fromServiceError(label, err) : err;
  }
  return out;
}
