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
  if (!s.includes('%')) return true;
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

/** A request target's path and query, as `URL` would give them (`search` with its '?', or ''). */
export interface RequestTarget {
  pathname: string;
  search: string;
}

// Characters `URL` leaves as they are in a path (no '%', no '\\', which it would rewrite) and in a
// query (no "'", which it escapes for http). A path segment starting with '.' may be a dot segment.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&()*+,;=:@/]*$/;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

/**
 * The hot path's parse (an invocation is mostly a plain path): when `URL` would keep the target as it
 * is, split it without building one (about a microsecond a request); anything else goes through
 * parseRequestUrl, so both answer the same.
 */
export function parseRequestTarget(raw: string | undefined, base: string): RequestTarget {
  const target = raw ?? '/';
  const q = target.indexOf('?');
  const path = q >= 0 ? target.slice(0, q) : target;
  const search = q >= 0 && q < target.length - 1 ? target.slice(q) : '';
  if (!PLAIN_PATH.test(path) || path.includes('/.') || (search && !PLAIN_QUERY.test(search.slice(1))))
    return parseRequestUrl(raw, base);
  if (search.includes('%')) parseRequestUrl(raw, base); // throws for a malformed escape
  return { pathname: path, search };
}
