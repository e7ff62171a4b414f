import type { CallOptions, GrpcConnection } from './grpc.js';
import { collect } from './grpc.js';
import type { RequestOf, ResponseOf, ServerStreamMethod, ServiceName, UnaryMethod } from './wire.js';
import { InternalError } from '../errors.js';

/** A connection seen through one containerd namespace; every call carries that namespace. */
export class Scope {
  constructor(
    readonly conn: GrpcConnection,
    readonly namespace: string,
  ) {}

  call<S extends ServiceName, M extends UnaryMethod<S>>(
    service: S,
    method: M,
    req: RequestOf<S, M>,
    opts?: CallOptions,
  ): Promise<ResponseOf<S, M>> {
    return this.conn.unary(this.namespace, service, method, req, opts);
  }

  list<S extends ServiceName, M extends ServerStreamMethod<S>>(
    service: S,
    method: M,
    req: RequestOf<S, M>,
    opts?: CallOptions,
  ): Promise<ResponseOf<S, M>[]> {
    return collect(
      `${service}.${method}`,
      this.conn.serverStream(this.namespace, service, method, req, opts),
    );
  }
}

/**
 * A message field of a response. proto3 decodes an absent message as null; containerd always sends the
 * ones we read (`container` of a Get, `process` of a task), so a null is a broken answer, not "none".
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new InternalError(`containerd answered without ${what}`);
  return value;
}
