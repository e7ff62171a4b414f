import type { Containerd } from '../containerd/index.js';
import type { Descriptor } from '../containerd/index.js';
import { GC } from './chain.js';
import type { ImageConfig, ImageManifest } from './oci.js';
import { unpackImage } from './unpack.js';

export interface CommitInput {
  name: string;
  /** The image record's target: the manifest itself, or an index that refers to it. */
  target: Descriptor;
  manifestDesc: Descriptor;
  manifestBody: Buffer;
  manifest: ImageManifest;
  /** When the target is an index: its body and the GC label naming the chosen manifest. */
  index?: { body: Buffer; labels: Record<string, string> };
}

/**
 * The last steps every way of getting an image shares (pull, pack, import): read its config, unpack the
 * layers, store the manifest (and index) with GC references, and write the image record, last.
 */
export async function commitImage(
  ctd: Containerd,
  input: CommitInput,
  lease: string,
): Promise<{ config: ImageConfig; chainId: string }> {
  const config = JSON.parse(
    (await ctd.content.readAll(input.manifest.config.digest)).toString('utf8'),
  ) as ImageConfig;
  const chainId = await unpackImage(ctd, input.manifest, config, lease);
  const labels: Record<string, string> = { [GC.contentConfig]: input.manifest.config.digest };
  input.manifest.layers.forEach((l, i) => (labels[GC.contentLayer(i)] = l.digest));
  await ctd.content.writeBuffer(input.manifestDesc.digest, input.manifestBody, { lease, labels });
  if (input.index) {
    await ctd.content.writeBuffer(input.target.digest, input.index.body, {
      lease,
      labels: input.index.labels,
    });
  }
  await ctd.images.put(input.name, input.target);
  return { config, chainId };
}
