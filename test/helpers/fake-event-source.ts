import { PassThrough } from 'node:stream';
import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import type { EventStreamSource } from '../../src/containerd/events.js';
import type { CallOptions } from '../../src/containerd/grpc.js';

/** A gRPC-style failure, as grpc-js builds it from a status. */
export function serviceError(code: status, details: string): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), {
    code,
    details,
    metadata: new Metadata(),
  });
}

/**
 * Event streams that behave as grpc-js's do: when the call ends with a status, the stream ends and then
 * emits 'error'; a cancelled call (its signal aborts) ends with CANCELLED.
 */
export class FakeEventSource implements EventStreamSource {
  readonly namespace = 'test';
  readonly streams: PassThrough[] = [];
  readonly conn = {
    serverStream: (
      _ns: string,
      _service: 'events',
      _method: 'Subscribe',
      _req: object,
      opts: CallOptions,
    ) => {
      const stream = new PassThrough({ objectMode: true });
      this.streams.push(stream);
      opts.signal?.addEventListener(
        'abort',
        () => this.fail(stream, serviceError(status.CANCELLED, 'cancelled')),
        {
          once: true,
        },
      );
      return stream;
    },
  };

  fail(stream: PassThrough, err: ServiceError): void {
    if (stream.readableEnded || stream.destroyed) return;
    stream.push(null);
    stream.emit('error', err);
    stream.destroy();
  }
}
