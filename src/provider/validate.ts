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

export { stringMap, stringList };
