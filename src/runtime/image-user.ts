import type { Containerd } from '../containerd/index.js';
import type { ImageConfig } from '../image/index.js';
import { readImageFiles } from './image-files.js';
import type { ContainerSpec } from './types.js';
import { needsUserFiles, parseUserSpec, resolveUser, type ResolvedUser } from './user.js';

/**
 * The user as the image defines it (issue #11): names resolved against the image's own passwd and
 * group. Runs before anything is created, so an unknown name changes nothing.
 */
export async function imageUser(
  ctd: Containerd,
  spec: ContainerSpec,
  image: { name: string; chainId: string; config: ImageConfig },
  env: string[],
): Promise<ResolvedUser> {
  const parsed = parseUserSpec(spec.user ?? image.config.config?.User, image.name);
  const homeSet = env.some((e) => e.startsWith('HOME='));
  if (!needsUserFiles(parsed, homeSet)) return resolveUser(parsed, { passwd: '', group: '' }, image.name);
  const [passwd, group] = await readImageFiles(ctd, image, ['/etc/passwd', '/etc/group'], spec.id);
  return resolveUser(parsed, { passwd, group }, image.name);
}
