import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyTooLargeError, MalformedJsonError } from './http-errors.js';

export interface Request {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  raw: IncomingMessage;
  res: ServerResponse;
  /** The body parsed as JSON (size-limited; 413 past the limit, 400 when malformed). */
  json(): Promise<unknown>;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
}

/** `undefined` = the handler wrote the response itself (streams). */
export type Handler = (req: Request) => Promise<Reply | undefined>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new MalformedJsonError('the body is empty');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new MalformedJsonError((err as Error).message);
  }
}

/** Exact-segment routes with `:param` placeholders. */
export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly bodyLimit: number) {}

  on(method: string, pattern: string, handler: Handler): this {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | 'method' | undefined {
    const segs = path.split('/').filter(Boolean);
    let pathMatched = false;
    for (const r of this.routes) {
      if (r.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      const ok = r.parts.every((p, i) => {
        const s = segs[i] ?? '';
        if (p.startsWith(':')) {
          params[p.slice(1)] = decodeURIComponent(s);
          return true;
        }
        return p === s;
      });
      if (!ok) continue;
      pathMatched = true;
      if (r.method === method) return { handler: r.handler, params };
    }
    return pathMatched ? 'method' : undefined;
  }

  request(raw: IncomingMessage, res: ServerResponse, url: URL, params: Record<string, string>): Request {
    const limit = this.bodyLimit;
    return {
      method: raw.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      params,
      raw,
      res,
      json: async () => parseJson(await readBody(raw, limit)),
    };
  }
}

export function send(res: ServerResponse, reply: Reply): void {
  if (reply.json !== undefined) {
    res.writeHead(reply.status, { 'Content-Type': 'application/json' }).end(JSON.stringify(reply.json));
  } else {
    res.writeHead(reply.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(reply.text ?? '');
  }
}
