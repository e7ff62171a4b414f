import { ComposeError } from './compose-errors.js';

/**
 * Compose's variable interpolation in every string value: `$$` is a literal `$`; `$VAR` and `${VAR}`
 * take the environment (empty when unset); `${VAR:-default}` / `${VAR-default}` give a default;
 * `${VAR:?message}` / `${VAR?message}` make it an error.
 */
export function interpolate(value: string, env: NodeJS.ProcessEnv, where: string): string {
  return value.replace(
    /\$(\$|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, first: string, braced?: string, bare?: string) => {
      if (first === '$') return '$';
      if (bare !== undefined) return env[bare] ?? '';
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])(.*))?$/s.exec(braced ?? '');
      if (!m) throw new ComposeError(undefined, where, `bad substitution ${whole}`);
      const [, name = '', colon, op, arg = ''] = m;
      const v = env[name];
      const unset = v === undefined || (colon === ':' && v === '');
      if (op === '-') return unset ? arg : (v ?? '');
      if (op === '?') {
        if (unset) throw new ComposeError(undefined, where, `${name}: ${arg || 'is not set'}`);
        return v ?? '';
      }
      return v ?? '';
    },
  );
}

/** Interpolates every string (not keys) in a parsed YAML document. */
export function interpolateDoc(doc: unknown, env: NodeJS.ProcessEnv, where = 'value'): unknown {
  if (typeof doc === 'string') return interpolate(doc, env, where);
  if (Array.isArray(doc)) return doc.map((d) => interpolateDoc(d, env, where));
  if (typeof doc === 'object' && doc !== null) {
    return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, interpolateDoc(v, env, k)]));
  }
  return doc;
}
