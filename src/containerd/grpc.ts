import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { seaAssetDir } from '../assets.js';
import { fromServiceError, isServiceError } from './errors.js';
import { UnavailableError } from '../errors.js';
import {
  SERVICES,
  type DuplexMethod,
  type RequestOf,
  type ResponseOf,
  type ServerStreamMethod,
  type ServiceName,
  type UnaryMethod,
} from './wire.js';

export type { ServiceName } from './wire.js';

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

type AnyClient = grpc.Client & Record<string, unknown>;
// The generic client's methods, called by name: wire.ts ties each name to its generated request and
// response types, so these untyped shapes stay inside this file.
type UnaryFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: unknown) => void,
) => grpc.ClientUnaryCall;
type ServerStreamFn = (
  req: unknown,
  md: grpc.Metadata,
  opts: grpc.CallOptions,
) => grpc.ClientReadableStream<unknown>;
type DuplexFn = (md: grpc.Metadata) => grpc.ClientDuplexStream<unknown, unknown>;

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

  /** The client's method `method` of `service`; one the proto subset lacks is a bug of ours. */
  private method(service: ServiceName, method: string): { client: AnyClient; fn: unknown } {
    const client = this.client(service);
    const fn = client[method];
    if (typeof fn !== 'function') throw new Error(`${service}.${method} is not in the proto subset`);
    return { client, fn };
  }

  unary<S extends ServiceName, M extends UnaryMethod<S>>(
    namespace: string,
    service: S,
    method: M,
    req: RequestOf<S, M>,
    opts: CallOptions = {},
  ): Promise<ResponseOf<S, M>> {
    const { client, fn } = this.method(service, method);
    const deadline = new Date(Date.now() + (opts.timeoutMs ?? 60_000));
    return new Promise<ResponseOf<S, M>>((resolve, reject) => {
      const call = (fn as UnaryFn).call(
        client,
        req,
        this.metadata(namespace, opts),
        { deadline },
        (err, res) => {
          if (err) reject(fromServiceError(`${service}.${method}`, err));
          else resolve(res as ResponseOf<S, M>);
        },
      );
      opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    });
  }

  serverStream<S extends ServiceName, M extends ServerStreamMethod<S>>(
    namespace: string,
    service: S,
    method: M,
    req: RequestOf<S, M>,
    opts: CallOptions = {},
  ): grpc.ClientReadableStream<ResponseOf<S, M>> {
    const { client, fn } = this.method(service, method);
    const callOpts: grpc.CallOptions = {};
    if (opts.timeoutMs) callOpts.deadline = new Date(Date.now() + opts.timeoutMs);
    const call = (fn as ServerStreamFn).call(client, req, this.metadata(namespace, opts), callOpts);
    opts.signal?.addEventListener('abort', () => call.cancel(), { once: true });
    return call as grpc.ClientReadableStream<ResponseOf<S, M>>;
  }

  duplex<S extends ServiceName, M extends DuplexMethod<S>>(
    namespace: string,
    service: S,
    method: M,
    opts: CallOptions = {},
  ): grpc.ClientDuplexStream<RequestOf<S, M>, ResponseOf<S, M>> {
    const { client, fn } = this.method(service, method);
    const call = (fn as DuplexFn).call(client, this.metadata(namespace, opts));
    return call as grpc.ClientDuplexStream<RequestOf<S, M>, ResponseOf<S, M>>;
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
export async function collect<T>(label: string, stream: grpc.ClientReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  try {
    for await (const item of stream as AsyncIterable<T>) out.push(item);
  } catch (err) {
    throw isServiceError(err) ? fromServiceError(label, err) : err;
  }
  return out;
}
