import { chmod, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { Logger } from '../log.js';
import { join } from 'node:path';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { validateName } from './validate.js';
import type { SecretRequest } from './types.js';

/**
 * Function secrets: one file per secret in <dir>/<namespace>/<name>, 0644 in 0700 root directories. The
 * function's own user (often not root: `USER app`) reads it through the bind mount, which does not need
 * the directories' permissions; nobody else on the host gets past them. Kubernetes and faasd mount 0644.
 */
export const SECRET_FILE_MODE = 0o644;
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
      await writeFile(join(dir, name), data, { mode: SECRET_FILE_MODE, flag: 'wx' });
      await chmod(join(dir, name), SECRET_FILE_MODE); // the umask may have taken bits away
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
    const file = join(await this.nsDir(namespace), name);
    await writeFile(file, data, { mode: SECRET_FILE_MODE });
    await chmod(file, SECRET_FILE_MODE); // a file written 0600 by an older version keeps its mode otherwise
  }

  async delete(namespace: string, name: string): Promise<void> {
    validateName('secret', name);
    if (!(await this.exists(namespace, name))) throw new NotFoundError('secret', name);
    await rm(this.path(namespace, name));
  }

  /**
   * At provider start: secrets written 0600 by older versions become 0644 (a non-root function could
   * not read them), and the directories 0700. Returns how many files it changed.
   */
  async migrate(log: Logger): Promise<number> {
    let changed = 0;
    const namespaces = await readdir(this.dir).catch(() => [] as string[]);
    if (namespaces.length > 0) await chmod(this.dir, 0o700);
    for (const ns of namespaces) {
      const d = join(this.dir, ns);
      if (!(await stat(d)).isDirectory()) continue;
      await chmod(d, 0o700);
      for (const f of await readdir(d)) {
        const st = await stat(join(d, f));
        if (!st.isFile() || (st.mode & 0o777) === SECRET_FILE_MODE) continue;
        await chmod(join(d, f), SECRET_FILE_MODE);
        changed++;
      }
    }
    if (changed > 0)
      log.info('secrets made readable by their functions (0644 in 0700 directories)', { files: changed });
    return changed;
  }
}
