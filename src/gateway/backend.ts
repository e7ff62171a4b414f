import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Availability, FunctionStatus } from '../provider/index.js';

/** One invocation: the function, its namespace, and the path (with query) to send it. */
export interface InvokeTarget {
  name: string;
  namespace: string;
  path: string;
}

/**
 * What the gateway needs of the provider. Two implementations: in the daemon, the provider's own
 * services (LocalBackend: no HTTP hop); a separate `faasd gateway`, the provider's HTTP API
 * (HttpBackend). Errors are FaasdErrors, mapped to answers by the gateway's one error handler.
 */
export interface FunctionBackend {
  /** 404 for an unknown function, 400 for a namespace functions may not use. */
  describe(name: string, namespace: string): Promise<FunctionStatus>;
  /** Desired and ready replicas (404 for an unknown function): what scale from zero looks at. */
  availability(name: string, namespace: string): Promise<Availability>;
  scale(name: string, namespace: string, replicas: number): Promise<void>;
  list(namespace: string): Promise<FunctionStatus[]>;
  /** Streams the request to a ready replica and its answer back; resolves with the status code. */
  invoke(req: IncomingMessage, res: ServerResponse, target: InvokeTarget): Promise<number>;
  /** A /system request; the gateway has checked the credentials. */
  system(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  close(): void;
}
