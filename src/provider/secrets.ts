import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { validateName } from './validate.js';
import type { SecretRequest } from './types.js';

/** Function secrets: one file per secret in <dir>/<namespace>/<name>, 0600 in 0700 directories. */
export class SecretStore {
  constructor(readonly dir: string) {}

  path(namespace: string, name: string): string {
    return join(this.dir, validateName('namespace', namespace), validateName('secret', name));
  }

  private async nsDir(namespace: string): Promise<string> {
    const d = join(this.dir, validateName('namespace', namespace));
    await mkdir(d, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    await chmod(d, 0o700);
    return d;
  }

  async exists(namespace: string, name: string): Promise<boolean> {
    try {
      await stat(this.path(namespace, name));
      return true;
    } catch {
      return false;
    }
  }

  async list(namespace: string): Promise<string[]> {
    try {
      return (await readdir(join(this.dir, validateName('namespace', namespace))))
        .filter((n) => !n.startsWith('.'))
        .sort();
    } catch {
      return [];
    }
  }

  static bytesOf(req: SecretRequest): Buffer {
    if (typeof req.rawValue === 'string' && req.rawValue !== '') {
      if (!/^[A-Za-z0-9+/=\s]*$/.test(req.rawValue))
        throw new InvalidArgumentError('rawValue', 'rawValue must be base64');
      return Buffer.from(req.rawValue, 'base64');
    }
    if (typeof req.value === 'string') return Buffer.from(req.value, 'utf8');
    throw new InvalidArgumentError('value', 'a secret needs value or rawValue');
  }

  /** Creates a secret; 409 when it exists. */
  async create(namespace: string, req: SecretRequest): Promise<void> {
    const name = validateName('secret', req.name);
    const data = SecretStore.bytesOf(req);
    const dir = await this.nsDir(namespace);
    try {
      await writeFile(join(dir, name), data, { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new AlreadyExistsError('secret', name, { cause: err });
      throw err;
    }
  }

  /** Replaces a secret's value; 404 when it does not exist. */
  async update(namespace: string, req: SecretRequest): Promise<void> {
    const name = validateName('secret', req.name);
    const data = SecretStore.bytesOf(req);
    if (!(await this.exists(namespace, name))) throw new NotFoundError('secret', name);
    await writeFile(join(await this.nsDir(namespace), name), data, { mode: 0o600 });
  }

  async delete(namespace: string, name: string): Promise<void> {
    validateName('secret', name);
    if (!(await this.exists(namespace, name))) throw new NotFoundError('secret', name);
    await rm(this.path(namespace, name));
  }
}
