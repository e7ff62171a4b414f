/** Parses a `WWW-Authenticate` header (RFC 7235) into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\S+)\s*(.*)$/.exec(header);
  const scheme = (m?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  const re = /([a-zA-Z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (const p of (m?.[2] ?? '').matchAll(re)) {
    const key = (p[1] ?? '').toLowerCase();
    params[key] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  }
  return { scheme, params };
}
