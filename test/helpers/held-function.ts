import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A function that holds every request until the test releases it (no sleeps: the test decides when),
 * on a loopback address. It counts requests in hand and request sockets that closed on it. Requests
 * `holds` says no to are answered at once with "fast" (so one server can stand for a provider with a
 * slow and a quick function behind it).
 */
export class HeldFunction {
  private readonly waiting: ServerResponse[] = [];
  private released = false;
  /** Requests whose connection closed before they were answered (the proxy aborted them). */
  abandoned = 0;
  received = 0;
  readonly server: Server;

  constructor(
    private readonly holds: (req: IncomingMessage) => boolean = () => true,
    private readonly body = 'held\n',
  ) {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      req.resume();
      if (!this.holds(req)) return void res.end('fast\n');
      this.received++;
      if (this.released) return void res.end(this.body);
      this.waiting.push(res);
      res.once('close', () => {
        if (!res.writableFinished) this.abandoned++;
        const i = this.waiting.indexOf(res);
        if (i >= 0) this.waiting.splice(i, 1);
      });
    });
  }

  get held(): number {
    return this.waiting.length;
  }

  async listen(host: string, port = 0): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  /** Answers every request in hand, and from now on each new one at once. */
  release(): void {
    this.released = true;
    for (const res of this.waiting.splice(0)) res.end(this.body);
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A function that answers at once with `body`. */
export async function answeringServer(host: string, port: number, body: string): Promise<Server> {
  const s = createServer((_req, res) => res.end(body));
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve());
  });
  return s;
}

export async function closeServer(s: Server | undefined): Promise<void> {
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}
