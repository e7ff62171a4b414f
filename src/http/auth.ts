import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FaasdError } from '../errors.js';

export class UnauthorizedError extends FaasdError {
  constructor() {
    super('auth', 'unauthorized: basic auth credentials are missing or wrong');
  }
}

export interface Credentials {
  user: string;
  password: string;
}

/** Reads `basic-auth-user` and `basic-auth-password` from the secrets directory. */
export async function loadCredentials(secretsDir: string): Promise<Credentials> {
  const [user, password] = await Promise.all([
    readFile(join(secretsDir, 'basic-auth-user'), 'utf8'),
    readFile(join(secretsDir, 'basic-auth-password'), 'utf8'),
  ]);
  return { user: user.trim(), password: password.trim() };
}

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Checks an `Authorization: Basic …` header; throws UnauthorizedError otherwise. */
export function checkBasicAuth(header: string | undefined, creds: Credentials): void {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m?.[1]) throw new UnauthorizedError();
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  const user = sep >= 0 ? decoded.slice(0, sep) : decoded;
  const password = sep >= 0 ? decoded.slice(sep + 1) : '';
  // Both compared every time, so timing says nothing about which one was wrong.
  const userOk = sameSecret(user, creds.user);
  const passwordOk = sameSecret(password, creds.password);
  const ok = userOk && passwordOk;
  if (!ok) throw new UnauthorizedError();
}
