import protobuf from 'protobufjs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { protoDir, type CallOptions } from './grpc.js';
import { fromServiceError, isServiceError } from './errors.js';
import type { ProtoAny, Timestamp } from './types.js';
import type { Envelope__Output } from './generated/containerd/services/events/v1/Envelope.js';
import type { SubscribeRequest } from './generated/containerd/services/events/v1/SubscribeRequest.js';
import { anyTypeUrl, toDate } from './types.js';

export interface TaskExitEvent {
  topic: '/tasks/exit';
  namespace: string;
  containerId: string;
  /** The process that exited: the container's ID for the task itself, an exec ID for an exec'd process. */
  processId: string;
  pid: number;
  exitStatus: number;
  exitedAt: Date | undefined;
}

export interface OtherEvent {
  topic: string;
  namespace: string;
  containerId: string | undefined;
}

export type ContainerdEvent = TaskExitEvent | OtherEvent;

/** What decodeEnvelope reads of an Envelope (the stream's message; unit tests build one by hand). */
type Envelope = Pick<Envelope__Output, 'namespace' | 'topic'> & { event: ProtoAny | null };

let eventRoot: protobuf.Root | undefined;
function eventTypes(): protobuf.Root {
  eventRoot ??= protobuf.loadSync(join(protoDir(), 'event-types.proto'));
  return eventRoot;
}

/** Decodes an envelope's payload by its type URL; unknown payloads keep only topic and namespace. */
export function decodeEnvelope(env: Envelope): ContainerdEvent {
  const typeName = anyTypeUrl(env.event).replace(/^.*\//, '');
  let payload: Record<string, unknown> = {};
  if (env.event && typeName.startsWith('containerd.events.')) {
    const type = eventTypes().lookup(typeName);
    if (type instanceof protobuf.Type) {
      payload = type.toObject(type.decode(env.event.value), { longs: Number, defaults: true });
    }
  }
  const containerId = typeof payload.containerId === 'string' ? payload.containerId : undefined;
  if (env.topic === '/tasks/exit') {
    return {
      topic: '/tasks/exit',
      namespace: env.namespace,
      containerId: containerId ?? '',
      processId: typeof payload.id === 'string' && payload.id !== '' ? payload.id : (containerId ?? ''),
      pid: Number(payload.pid ?? 0),
      exitStatus: Number(payload.exitStatus ?? 0),
      exitedAt: toDate(payload.exitedAt as Timestamp | undefined),
    };
  }
  return { topic: env.topic, namespace: env.namespace, containerId };
}

/** What Events needs of a connection: a server stream (a Scope is one; unit tests give a fake). */
export interface EventStreamSource {
  readonly namespace: string;
  readonly conn: {
    serverStream(
      namespace: string,
      service: 'events',
      method: 'Subscribe',
      req: SubscribeRequest,
      opts: CallOptions,
    ): Readable;
  };
}

export class Events {
  constructor(private readonly source: EventStreamSource) {}

  /**
   * Streams events matching containerd filters until the signal aborts. Filters in the list are ORed;
   * conditions joined by a comma inside one filter are ANDed: `topic=="/tasks/exit",namespace==openfaas`.
   * The subscription is open from this call, so a caller can subscribe, look at the tasks, then iterate
   * without missing an exit in between. Ends when the connection fails (the iterator then throws an
   * UnavailableError-kind error).
   */
  subscribe(filters: string[], signal?: AbortSignal): AsyncIterable<ContainerdEvent> {
    // Our own controller: the caller's signal outlives many subscriptions, so ours lets go of it
    // when this stream closes rather than collecting one listener per reconnect.
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const stream = this.source.conn.serverStream(
      this.source.namespace,
      'events',
      'Subscribe',
      { filters },
      { signal: ctl.signal },
    );
    // Listening now, not when iteration starts: grpc emits 'error' when containerd goes away, and an
    // 'error' nobody listens to ends the process (issue #17 item 11: the supervisor awaited a re-check
    // between subscribing and iterating). The error is kept and thrown by the iterator.
    let failure: unknown;
    stream.on('error', (err: unknown) => (failure ??= err));
    stream.once('close', () => signal?.removeEventListener('abort', onAbort));
    return (async function* () {
      try {
        for await (const env of stream as AsyncIterable<Envelope>) yield decodeEnvelope(env);
      } catch (err) {
        failure ??= err;
      } finally {
        ctl.abort(); // a consumer that stops early ends the subscription
      }
      if (failure === undefined || signal?.aborted) return;
      if (isServiceError(failure)) throw fromServiceError('events.Subscribe', failure);
      throw failure instanceof Error ? failure : new Error('containerd events failed', { cause: failure });
    })();
  }
}
