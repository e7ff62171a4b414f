import { randomBytes } from 'node:crypto';
import type { Containerd } from '../containerd/index.js';
import type { Descriptor } from '../containerd/index.js';
import { isAlreadyExists } from '../containerd/index.js';
import { chainIds, GC } from './chain.js';
import type { ImageConfig, ImageManifest } from './oci.js';
import { InternalError } from '../errors.js';

/**
 * Unpacks a manifest's layers into committed snapshots named by chain ID (skipping those present), and
 * labels the config blob so GC keeps the top snapshot while the image exists. Returns the top chain ID.
 */
export async function unpackImage(
  ctd: Containerd,
  manifest: ImageManifest,
  config: ImageConfig,
  lease: string,
): Promise<string> {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new InternalError(
      `image config lists ${diffIds.length} diff IDs for ${manifest.layers.length} layers`,
    );
  }
  const chain = chainIds(diffIds);
  const snapshotter = ctd.snapshots.snapshotter;
  let parent = '';
  for (const [i, layer] of manifest.layers.entries()) {
    const chainId = chain[i] as string;
    if (!(await ctd.snapshots.stat(chainId))) {
      await applyLayer(ctd, layer, diffIds[i] as string, chainId, parent, lease);
    }
    await ctd.content.addLabels(layer.digest, { [GC.uncompressed]: diffIds[i] as string });
    parent = chainId;
  }
  const top = chain[chain.length - 1];
  if (top) await ctd.content.addLabels(manifest.config.digest, { [GC.snapshot(snapshotter)]: top });
  return top ?? '';
}

async function applyLayer(
  ctd: Containerd,
  layer: Descriptor,
  diffId: string,
  chainId: string,
  parent: string,
  lease: string,
): Promise<void> {
  const key = `extract-${randomBytes(6).toString('hex')} ${chainId}`;
  const mounts = await ctd.snapshots.prepare(key, parent, {}, { lease });
  try {
    const applied = await ctd.diff.apply(layer, mounts, { lease });
    if (applied.digest !== diffId) {
      throw new InternalError(`layer ${layer.digest} unpacked to ${applied.digest}, config says ${diffId}`);
    }
    try {
      await ctd.snapshots.commit(chainId, key, {}, { lease });
    } catch (err) {
      if (!isAlreadyExists(err)) throw err; // a concurrent unpack of the same layer won
    }
  } finally {
    await ctd.snapshots.remove(key);
  }
}
