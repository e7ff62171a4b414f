import { InvalidArgumentError } from '../errors.js';

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A function, secret or namespace name: a DNS-1123 label (lowercase, digits, '-', at most 63). */
export function validateName(kind: 'function' | 'secret' | 'namespace', name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 63 || !DNS1123.test(name)) {
    throw new InvalidArgumentError(
      kind === 'function' ? 'service' : 'name',
      `${kind} name ${JSON.stringify(name)} is invalid: use lowercase letters, digits and '-' (at most 63, starting and ending alphanumeric)`,
    );
  }
  return name;
}

function stringMap(field: string, v: unknown): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
    throw new InvalidArgumentError(field, `${field} must be an object of strings`);
  }
  return v as Record<string, string>;
}

function stringList(field: string, v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
    throw new InvalidArgumentError(field, `${field} must be a list of strings`);
  return v;
}

/**
 * Environment variables: a key the kernel and runc can pass (`KEY=value` strings): not empty, no '=' and
 * no NUL; a value without NUL. An empty key was a 500 from runc (issue #17 item 8).
 */
function envMap(field: string, v: unknown): Record<string, string> | undefined {
  const env = stringMap(field, v);
  for (const [key, value] of Object.entries(env ?? {})) {
    if (key === '' || key.includes('=') || key.includes('\0'))
      throw new InvalidArgumentError(
        field,
        `${field} key ${JSON.stringify(key)} is invalid: it must be non-empty, without '=' or NUL`,
      );
    if (value.includes('\0'))
      throw new InvalidArgumentError(field, `${field} value of ${JSON.stringify(key)} contains a NUL`);
  }
  return env;
}

export { stringMap, stringList, envMap };
