import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Callback {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP server that records every request it gets (async invocation callbacks), on `host`:<random>. */
export async function startCallbackReceiver(
  host: string,
): Promise<{ url: string; received: Callback[]; server: Server }> {
  const received: Callback[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, host, () => r()));
  return { url: `http://${host}:${(server.address() as { port: number }).port}/callback`, received, server };
}
