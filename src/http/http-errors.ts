import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaasdError, InvalidArgumentError } from '../errors.js';
import type { Logger } from '../log.js';

export class BodyTooLargeError extends FaasdError {
  constructor(readonly limit: number) {
    super('too-large', `request body is larger than ${limit} bytes`);
  }
}

export class MalformedJsonError extends InvalidArgumentError {
  constructor(detail: string) {
    super('body', `request body is not valid JSON: ${detail}`);
  }
}

export const AUTH_REALM = 'faasd';

/** The one place errors become HTTP responses: a status by kind, and a plain one-line message. */
export function sendError(
  res: ServerResponse,
  err: unknown,
  log: Logger,
  context: Record<string, string>,
): void {
  const known = err instanceof FaasdError;
  const status = known ? err.status : 500;
  const message = known ? err.message : 'internal error';
  const fields = { ...context, status, error: err instanceof Error ? err.message : String(err) };
  if (!known) log.error('request failed', fields);
  else if (status >= 500) log.warn('request failed', fields);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (status === 401) headers['WWW-Authenticate'] = `Basic realm="${AUTH_REALM}"`;
  // Which request field was wrong, for a form to show the message beside it (the portal, #14).
  if (err instanceof InvalidArgumentError) headers['X-Error-Field'] = err.field;
  res.writeHead(status, headers).end(`${message}\n`);
}

/** An HTTP handler built on an async one: whatever it throws becomes a response through sendError. */
export function guarded(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  log: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res).catch((err: unknown) =>
      sendError(res, err, log, { method: req.method ?? '', path: req.url ?? '' }),
    );
  };
}
