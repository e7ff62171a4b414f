import type { Containerd } from '../containerd/index.js';
import { sha256Digest } from '../containerd/index.js';
import type { Descriptor } from '../containerd/index.js';
import { GC } from './chain.js';
import { commitImage } from './commit.js';
import { fetchBlob } from './fetch-blob.js';
import { formatReference, parseReference } from './reference.js';
import type { RegistryClient } from './registry.js';
import { DigestMismatchError } from '../containerd/index.js';
import {
  formatPlatform,
  hostPlatform,
  isIndex,
  isManifest,
  selectManifest,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from './oci.js';
import { NoMatchingPlatformError, UnsupportedMediaTypeError } from './registry-errors.js';
import { silentProgress, type Progress } from './progress.js';

export interface PullOptions {
  platform?: Platform;
  progress?: Progress;
}

export interface PulledImage {
  name: string;
  target: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  chainId: string;
  /** Bytes fetched from the registry in this call (0 when everything was present). */
  fetchedBytes: number;
}

/**
 * Pulls an image into containerd and unpacks it. Every blob is verified by digest; present blobs and
 * snapshots are skipped; the image record is written last, so a failure leaves none behind.
 */
export async function pullImage(
  ctd: Containerd,
  registry: RegistryClient,
  reference: string,
  opts: PullOptions = {},
): Promise<PulledImage> {
  const ref = parseReference(reference);
  const name = formatReference(ref);
  const progress = opts.progress ?? silentProgress;
  const platform = opts.platform ?? hostPlatform();
  return ctd.leases.with('faasd-pull', async (lease) => {
    const counter = { bytes: 0 };
    const root = await registry.manifest(ref, ref.digest ?? (ref.tag as string), name);
    const rootDigest = sha256Digest(root.body);
    if (ref.digest && rootDigest !== ref.digest) throw new DigestMismatchError(ref.digest, rootDigest);
    if (root.digest && root.digest !== rootDigest) throw new DigestMismatchError(root.digest, rootDigest);
    const target: Descriptor = { mediaType: root.mediaType, digest: rootDigest, size: root.body.length };

    let manifestBody = root.body;
    let manifestDesc = target;
    let indexLabels: Record<string, string> | undefined;
    if (isIndex(root.mediaType)) {
      const index = JSON.parse(root.body.toString('utf8')) as ImageIndex;
      const chosen = selectManifest(index, platform);
      if (!chosen) {
        const have = index.manifests.flatMap((m) => (m.platform ? [formatPlatform(m.platform)] : []));
        throw new NoMatchingPlatformError(name, formatPlatform(platform), have);
      }
      const fetched = await registry.manifest(ref, chosen.digest, name);
      const actual = sha256Digest(fetched.body);
      if (actual !== chosen.digest) throw new DigestMismatchError(chosen.digest, actual);
      manifestBody = fetched.body;
      manifestDesc = { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size };
      indexLabels = { [GC.contentManifest(index.manifests.indexOf(chosen))]: chosen.digest };
    } else if (!isManifest(root.mediaType)) {
      throw new UnsupportedMediaTypeError(root.mediaType, name);
    }

    const manifest = JSON.parse(manifestBody.toString('utf8')) as ImageManifest;
    const blobs = [manifest.config, ...manifest.layers];
    await Promise.all(
      blobs.map((b) => fetchBlob(ctd.content, registry, ref, b, { lease, progress, counter })),
    );
    const index = indexLabels ? { body: root.body, labels: indexLabels } : undefined;
    const { config, chainId } = await commitImage(
      ctd,
      { name, target, manifestDesc, manifestBody, manifest, ...(index ? { index } : {}) },
      lease,
    );
    progress.done();
    return { name, target, manifest, config, chainId, fetchedBytes: counter.bytes };
  });
}
