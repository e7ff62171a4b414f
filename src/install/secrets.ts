import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs.js';

/** A secret file of <state-dir>/secrets that faasd writes and compose services bind-mount. */
interface ComposeSecret {
  name: string;
  value: () => string;
}

const COMPOSE_SECRETS: ComposeSecret[] = [
  { name: 'basic-auth-user', value: () => 'admin' },
  { name: 'basic-auth-password', value: () => randomBytes(24).toString('base64url') },
];

/** The secrets directory stays 0700: only root on the host gets past it. */
export const SECRETS_DIR_MODE = 0o700;
/**
 * Secret files are 0644 (as faasd writes them, and as Kubernetes mounts secrets): a bind mount hands the
 * file to the container without the directory, so a service running as a non-root user (the OpenFaaS
 * gateway runs as `app` and exits when it cannot read /run/secrets/basic-auth-user) can read it.
 */
export const SECRET_FILE_MODE = 0o644;

export interface SecretsResult {
  /** Paths of the files written now (missing before). */
  created: string[];
  /** Paths whose mode was changed (files written 0600 by older versions, or changed by hand). */
  fixed: string[];
}

/**
 * Makes <state-dir>/secrets as compose services need it: the basic-auth files present (kept when they
 * exist, as faasd's install and up keep them) with mode 0644, in a 0700 directory. Run by install and
 * at every `faasd up`, so an install made by an older version is migrated on its next start.
 */
export async function ensureComposeSecrets(dir: string): Promise<SecretsResult> {
  await mkdir(dir, { recursive: true, mode: SECRETS_DIR_MODE });
  const fixed: string[] = [];
  if (((await lstat(dir)).mode & 0o7777) !== SECRETS_DIR_MODE) {
    await chmod(dir, SECRETS_DIR_MODE);
    fixed.push(dir);
  }
  const created: string[] = [];
  for (const s of COMPOSE_SECRETS) {
    const path = join(dir, s.name);
    const st = await lstat(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!st) {
      await writeFileAtomic(path, `${s.value()}\n`, SECRET_FILE_MODE);
      await chmod(path, SECRET_FILE_MODE); // the umask may have taken bits away
      created.push(path);
    } else if (st.isFile() && (st.mode & 0o7777) !== SECRET_FILE_MODE) {
      await chmod(path, SECRET_FILE_MODE);
      fixed.push(path);
    }
  }
  return { created, fixed };
}
