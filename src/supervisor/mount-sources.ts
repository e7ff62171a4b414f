import { chown, lstat, mkdir } from 'node:fs/promises';
import { extname, relative } from 'node:path';
import type { Logger } from '../log.js';
import { ComposeError } from './compose-errors.js';
import type { ServiceSpec } from './compose.js';

/** `uid` or `uid:gid` when both are numbers; a name cannot be resolved on the host (it is the image's). */
export function numericOwner(user: string | undefined): { uid: number; gid: number } | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(user ?? '');
  if (!m) return undefined;
  return { uid: Number(m[1]), gid: m[2] === undefined ? -1 : Number(m[2]) };
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

/**
 * Makes the missing bind sources that name a directory, as faasd does: a source without an extension
 * (faasd's own rule: `./nats`, `./prometheus`) outside the secrets directory becomes a 0755 directory,
 * owned by the service's user when that is numeric, so a non-root service can write its data there.
 * Existing paths are never touched. Any other missing source is an error naming it, before anything
 * starts (runc would fail on it at every restart).
 */
export async function prepareMountSources(
  services: ServiceSpec[],
  secretsDir: string,
  log: Logger,
): Promise<void> {
  const missing: { service: ServiceSpec; source: string }[] = [];
  for (const service of services) {
    for (const m of service.mounts) {
      const exists = await lstat(m.source).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return false;
          throw err;
        },
      );
      if (exists) continue;
      if (extname(m.source) !== '' || inside(secretsDir, m.source)) {
        throw new ComposeError(service.name, 'volumes', `source ${JSON.stringify(m.source)} does not exist`);
      }
      missing.push({ service, source: m.source });
    }
  }
  for (const { service, source } of missing) {
    await mkdir(source, { recursive: true, mode: 0o755 });
    const owner = numericOwner(service.user);
    if (owner) await chown(source, owner.uid, owner.gid);
    log.info('created bind source', {
      service: service.name,
      path: source,
      ...(owner ? { owner: service.user } : {}),
    });
  }
}
