import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** One request the proxy saw for the faulty blob, and what it did with it. */
export interface BlobRequest {
  range: string | undefined;
  answer: 'cut' | '416' | 'whole';
}

export interface FaultyBlobProxy {
  /** host:port on 127.0.0.1, to pull through. */
  host: string;
  requests: BlobRequest[];
  close(): Promise<void>;
}

/**
 * A proxy on 127.0.0.1 in front of a test registry that misbehaves for one blob as a registry did while
 * the image was pushed again (issue #11): a request without Range gets the headers and the first
 * `cutAt` bytes, then the connection is destroyed; a request with Range is answered 416. After
 * `faults` such answers it passes everything through. Every other path is passed through as is.
 */
export async function startFaultyBlobProxy(
  upstream: string,
  digest: string,
  opts: { cutAt: number; faults: number },
): Promise<FaultyBlobProxy> {
  const requests: BlobRequest[] = [];
  const forward = async (req: IncomingMessage): Promise<Response> => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (k !== 'host' && k !== 'connection' && typeof v === 'string') headers[k] = v;
    return fetch(`http://${upstream}${req.url ?? '/'}`, { method: req.method ?? 'GET', headers });
  };
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const up = await forward(req);
    const body = Buffer.from(await up.arrayBuffer());
    const headers: Record<string, string> = {};
    up.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    const isBlob = req.url?.endsWith(`/blobs/${digest}`) === true;
    const range = req.headers.range;
    if (!isBlob || requests.filter((r) => r.answer !== 'whole').length >= opts.faults) {
      if (isBlob) requests.push({ range, answer: 'whole' });
      res.writeHead(up.status, { ...headers, 'content-length': String(body.length) }).end(body);
      return;
    }
    if (range) {
      requests.push({ range, answer: '416' });
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    requests.push({ range, answer: 'cut' });
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    res.write(body.subarray(0, opts.cutAt), () => res.destroy());
  };
  const server = createServer((req, res) => {
    answer(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
