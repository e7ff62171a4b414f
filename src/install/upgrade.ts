import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../fs.js';
import { DEFAULT_COMPOSE, OLDER_DEFAULT_COMPOSE_SHA256 } from './files.js';

/**
 * Replaces a default compose file that an older version wrote, unedited, with today's: its `command`s
 * were written for the entrypoint to be prepended, and `faasd up` now runs them as the whole command
 * line (as faasd does). An upgrade that only swaps the executable then still starts. An edited file is
 * left as it is. Resolves true when it replaced the file.
 */
export async function upgradeDefaultCompose(path: string): Promise<boolean> {
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch {
    return false; // missing or unreadable: loading the compose file reports it
  }
  if (!OLDER_DEFAULT_COMPOSE_SHA256.has(createHash('sha256').update(text).digest('hex'))) return false;
  await writeFileAtomic(path, DEFAULT_COMPOSE);
  return true;
}
