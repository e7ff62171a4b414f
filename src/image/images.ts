import type { Containerd } from '../containerd/index.js';
import { toDate } from '../containerd/index.js';
import { normalizeReference } from './reference.js';
import { ImageNotFoundError, NoMatchingPlatformError } from './registry-errors.js';
import { chainIds } from './chain.js';
import {
  formatPlatform,
  hostPlatform,
  isIndex,
  selectManifest,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
} from './oci.js';

export interface ImageSummary {
  name: string;
  digest: string;
  mediaType: string;
  size: number;
  createdAt: string | undefined;
}

export async function listImages(ctd: Containerd): Promise<ImageSummary[]> {
  const images = await ctd.images.list();
  return images
    .map((i) => ({
      name: i.name,
      digest: i.target.digest,
      mediaType: i.target.mediaType,
      size: i.target.size,
      createdAt: toDate(i.createdAt)?.toISOString(),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Removes an image record; containerd's GC then drops the blobs and snapshots no one else uses. */
export async function removeImage(ctd: Containerd, reference: string): Promise<void> {
  const name = normalizeReference(reference);
  if (!(await ctd.images.delete(name, true))) throw new ImageNotFoundError(name);
}

/** The config and top snapshot (chain ID) of an image already in containerd. */
export async function resolveImage(
  ctd: Containerd,
  reference: string,
): Promise<{ name: string; config: ImageConfig; chainId: string }> {
  const name = normalizeReference(reference);
  const image = await ctd.images.get(name);
  if (!image) throw new ImageNotFoundError(name);
  let manifestDigest = image.target.digest;
  if (isIndex(image.target.mediaType)) {
    const index = JSON.parse((await ctd.content.readAll(image.target.digest)).toString('utf8')) as ImageIndex;
    const chosen = selectManifest(index, hostPlatform());
    if (!chosen) throw new NoMatchingPlatformError(name, formatPlatform(hostPlatform()), []);
    manifestDigest = chosen.digest;
  }
  const manifest = JSON.parse((await ctd.content.readAll(manifestDigest)).toString('utf8')) as ImageManifest;
  const config = JSON.parse(
    (await ctd.content.readAll(manifest.config.digest)).toString('utf8'),
  ) as ImageConfig;
  const chain = chainIds(config.rootfs.diff_ids);
  return { name, config, chainId: chain[chain.length - 1] ?? '' };
}
