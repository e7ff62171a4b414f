import type { CallOptions, GrpcConnection, ServiceName } from './grpc.js';
import { collect } from './grpc.js';

/** A connection seen through one containerd namespace; every call carries that namespace. */
export class Scope {
  constructor(
    readonly conn: GrpcConnection,
    readonly namespace: string,
  ) {}

  call<Res>(service: ServiceName, method: string, req: object, opts?: CallOptions): Promise<Res> {
    return this.conn.unary<Res>(this.namespace, service, method, req, opts);
  }

  list<Res>(service: ServiceName, method: string, req: object, opts?: CallOptions): Promise<Res[]> {
    return collect<Res>(
      `${service}.${method}`,
      this.conn.serverStream(this.namespace, service, method, req, opts),
    );
  }
}
