import { InvalidArgumentError } from '../errors.js';

/** A request target that cannot be read: a malformed percent-escape, or no URL at all. */
export class MalformedUrlError extends InvalidArgumentError {
  constructor(
    readonly part: 'path' | 'query',
    readonly value: string,
  ) {
    super(
      part,
      `the request ${part} ${JSON.stringify(value)} has a malformed percent-escape or is not a URL`,
    );
  }
}

function decodes(s: string): boolean {
  try {
    decodeURIComponent(s);
    return true;
  } catch {
    return false; // a '%' not followed by two hex digits, or bytes that are not UTF-8 (%E0%A4%A)
  }
}

/**
 * The request's URL, checked at the edge: every percent-escape in the path and in each query key and
 * value must decode, or the request is a 400 before any route sees it (decodeURIComponent would throw
 * a URIError deep inside, a 500; issue #17 item 8).
 */
export function parseRequestUrl(raw: string | undefined, base: string): URL {
  const target = raw ?? '/';
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const query = q >= 0 ? target.slice(q + 1) : '';
  if (!decodes(path)) throw new MalformedUrlError('path', path);
  for (const pair of query.split('&')) {
    const text = pair.replace(/\+/g, ' ');
    if (!text.split('=').every(decodes)) throw new MalformedUrlError('query', query);
  }
  try {
    // Joined, not resolved against base: "//x/y" is a path here, not a host.
    return target.startsWith('/') ? new URL(base + target) : new URL(target);
  } catch {
    throw new MalformedUrlError('path', path);
  }
}
