import protobuf from 'protobufjs';
import type * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';
import type { Scope } from './scope.js';
import { protoDir } from './grpc.js';
import { fromServiceError, isServiceError } from './errors.js';
import type { ProtoAny, Timestamp } from './types.js';
import { anyTypeUrl, toDate } from './types.js';

export interface TaskExitEvent {
  topic: '/tasks/exit';
  namespace: string;
  containerId: string;
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

interface Envelope {
  namespace: string;
  topic: string;
  event: ProtoAny | null;
}

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
      pid: Number(payload.pid ?? 0),
      exitStatus: Number(payload.exitStatus ?? 0),
      exitedAt: toDate(payload.exitedAt as Timestamp | undefined),
    };
  }
  return { topic: env.topic, namespace: env.namespace, containerId };
}

export class Events {
  constructor(private readonly s: Scope) {}

  /**
   * Streams events matching containerd filters until the signal aborts. Filters in the list are ORed;
   * conditions joined by a comma inside one filter are ANDed: `topic=="/tasks/exit",namespace==openfaas`.
   * Ends when the connection fails (the iterator then throws an UnavailableError-kind error).
   */
  subscribe(filters: string[], signal?: AbortSignal): AsyncIterable<ContainerdEvent> {
    const stream: grpc.ClientReadableStream<unknown> = this.s.conn.serverStream(
      this.s.namespace,
      'events',
      'Subscribe',
      { filters },
      { signal },
    );
    return (async function* () {
      try {
        for await (const env of stream) yield decodeEnvelope(env as Envelope);
      } catch (err) {
        if (signal?.aborted) return;
        throw isServiceError(err) ? fromServiceError('events.Subscribe', err) : err;
      }
    })();
  }
}
