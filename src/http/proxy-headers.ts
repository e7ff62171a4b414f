import type { IncomingMessage } from 'node:http';

/** Sent per hop, not end to end (RFC 9110 7.6.1): never forwarded either way. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Not forwarded in a request: hop-by-hop, Expect (Node's server has answered "100 Continue" already). */
const RELAY_SKIP = new Set([...HOP_BY_HOP, 'expect']);
/** ... and to a function, also what the proxy sets itself (Host, X-Forwarded-Host). */
const REQUEST_SKIP = new Set([...RELAY_SKIP, 'host', 'x-forwarded-host']);

/**
 * The request head to send upstream: the client's headers (raw: order, case and repeats kept) less
 * hop-by-hop ones. To a function, Host names the function's address and X-Forwarded-Host the client's
 * Host; a relay (a hand-over to another gateway handler in this process, the data-path thread) keeps
 * Host and X-Forwarded-Host as the client sent them. `chunked`: the body goes out chunked (the client
 * sent it without a length). Node's parser has already refused CR, LF and NUL in names and values.
 */
export function requestHead(
  req: IncomingMessage,
  path: string,
  host: string,
  relay: boolean,
  chunked: boolean,
): string {
  let head = `${req.method ?? 'GET'} ${path} HTTP/1.1\r\n`;
  const skip = relay ? RELAY_SKIP : REQUEST_SKIP;
  const raw = req.rawHeaders;
  let hasHost = false;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (skip.has(lower)) continue;
    if (lower === 'host') hasHost = true;
    head += `${name}: ${raw[i + 1] as string}\r\n`;
  }
  if (!hasHost) head += `host: ${host}\r\n`;
  if (!relay) head += `x-forwarded-host: ${req.headers.host ?? ''}\r\n`;
  if (chunked) head += 'transfer-encoding: chunked\r\n';
  return `${head}\r\n`;
}

/** The function's headers (flat: name, value, …) for writeHead, less hop-by-hop ones (Node frames the body itself). */
export function responseHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!HOP_BY_HOP.has(name.toLowerCase())) out.push(name, raw[i + 1] as string);
  }
  return out;
}
