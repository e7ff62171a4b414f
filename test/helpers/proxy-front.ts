import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FunctionProxy, UpstreamError } from '../../src/http/index.js';
import type { ProxyTarget } from '../../src/http/proxy.js';

/** What one forwarded request ended with: the status, or the error (retried once when safe). */
export interface Outcome {
  status?: number;
  error?: Error;
  retried: boolean;
}

/**
 * A server in front of FunctionProxy, as the invoker uses it: forwards to `first`, and when the proxy
 * says the request never reached the function (`beforeRequest`) sends it once more to `second`.
 */
export class ProxyFront {
  readonly outcomes: Outcome[] = [];
  readonly responses: ServerResponse[] = [];
  /** The most any response held in its buffer after a write (the proxy's share of a slow client). */
  maxBuffered = 0;
  readonly server: Server;

  constructor(
    readonly proxy: FunctionProxy,
    private readonly first: () => ProxyTarget,
    private readonly second: (() => ProxyTarget) | undefined = undefined,
  ) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.responses.push(res);
    const write = res.write.bind(res) as (chunk: Buffer) => boolean;
    res.write = ((chunk: Buffer) => {
      const ok = write(chunk);
      this.maxBuffered = Math.max(this.maxBuffered, res.writableLength);
      return ok;
    }) as typeof res.write;
    let retried = false;
    try {
      let status: number;
      try {
        status = await this.proxy.forward(req, res, this.first());
      } catch (err) {
        if (!(err instanceof UpstreamError && err.beforeRequest && this.second)) throw err;
        retried = true;
        status = await this.proxy.forward(req, res, this.second());
      }
      this.outcomes.push({ status, retried });
    } catch (err) {
      this.outcomes.push({ error: err as Error, retried });
      if (res.headersSent) res.destroy();
      else res.writeHead(502).end();
    }
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.proxy.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback server for the function side; `handle` decides how it misbehaves. */
export async function upstream(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then closed): a connect there is refused. */
export async function closedPort(): Promise<number> {
  const s = await upstream(() => undefined);
  await s.close();
  return s.port;
}

/** A client request on a connection of its own; the test writes the body and reads the answer. */
export function clientRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): { req: ReturnType<typeof request>; answer: Promise<{ status: number; body: Buffer }> } {
  const req = request(url, {
    agent: false,
    method: opts.method ?? 'GET',
    headers: opts.headers ?? {},
    signal: AbortSignal.timeout(30_000),
  });
  const answer = new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  return { req, answer };
}
