import type { Containerd } from '../containerd/index.js';
import type { ImageConfig } from '../image/index.js';
import type { ContainerSpec } from './types.js';
import { readImageFiles } from './image-files.js';
import { needsUserFiles, parseUserSpec, resolveUser, type ResolvedUser, type UserFiles } from './user.js';
import type { UserFilesCache } from './user-files-cache.js';

/**
 * The user as the image defines it (issue #11): names resolved against the image's own passwd and
 * group (read once per image, user-files-cache.ts). Runs before anything is created, so an unknown
 * name changes nothing.
 */
export async function imageUser(
  ctd: Containerd,
  files: UserFilesCache,
  spec: ContainerSpec,
  image: { name: string; chainId: string; config: ImageConfig },
  env: string[],
): Promise<ResolvedUser> {
  const parsed = parseUserSpec(spec.user ?? image.config.config?.User, image.name);
  const homeSet = env.some((e) => e.startsWith('HOME='));
  if (!needsUserFiles(parsed, homeSet)) return resolveUser(parsed, { passwd: '', group: '' }, image.name);
  const read = async (): Promise<UserFiles> => {
    const [passwd, group] = await readImageFiles(ctd, image, ['/etc/passwd', '/etc/group'], spec.id);
    return { passwd, group };
  };
  return resolveUser(parsed, await files.get(image.chainId, read), image.name);
}
