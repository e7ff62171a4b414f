import type { Containerd } from '../containerd/index.js';
import { sha256Digest, skipBytes } from '../containerd/index.js';
import type { Descriptor } from '../containerd/index.js';
import { commitImage } from './commit.js';
import { sharedLibraries } from './ldd.js';
import { hostPlatform, MediaType, type ImageConfig, type ImageManifest } from './oci.js';
import { normalizeReference } from './reference.js';
import { hostFile, hostTree, type LayerEntry } from './tar-layer.js';
import { digestOf, HostFileChangedError, ownedChunks, tarStream } from './layer-stream.js';

export interface PackSpec {
  /** Image reference to store it under, e.g. `faasd.local/nats:2.9`. */
  name: string;
  /** Host binaries copied to the same path (or `imagePath`), with every shared library `ldd` names. */
  binaries?: { hostPath: string; imagePath?: string }[];
  /** Other host files or directories, copied as they are. */
  paths?: { hostPath: string; imagePath: string }[];
  /** Files written from memory (passwd, config). */
  files?: { imagePath: string; content: string | Buffer; mode?: number }[];
  /** Symbolic links, e.g. `/bin/sh` → `busybox`. */
  links?: { imagePath: string; target: string }[];
  /** Empty directories, e.g. `/tmp` (mode 1777 by default for /tmp). */
  dirs?: { imagePath: string; mode?: number }[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  user?: string;
  workdir?: string;
  exposedPorts?: string[];
  labels?: Record<string, string>;
}

export interface PackedImage {
  name: string;
  target: Descriptor;
  chainId: string;
}

async function layerEntries(spec: PackSpec): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  for (const b of spec.binaries ?? []) {
    entries.push(await hostFile(b.hostPath, b.imagePath ?? b.hostPath));
    for (const lib of await sharedLibraries(b.hostPath)) entries.push(await hostFile(lib, lib));
  }
  for (const p of spec.paths ?? []) entries.push(...(await hostTree(p.hostPath, p.imagePath)));
  for (const f of spec.files ?? []) {
    entries.push({ path: f.imagePath, mode: f.mode ?? 0o644, type: 'file', content: Buffer.from(f.content) });
  }
  for (const l of spec.links ?? [])
    entries.push({ path: l.imagePath, mode: 0o777, type: 'symlink', linkname: l.target });
  for (const d of spec.dirs ?? []) {
    entries.push({
      path: d.imagePath,
      mode: d.mode ?? (d.imagePath === '/tmp' ? 0o1777 : 0o755),
      type: 'directory',
    });
  }
  return entries;
}

/** Streams the layer into containerd unless it is there; a write that was cut off resumes at its offset. */
async function writeLayer(ctd: Containerd, desc: Descriptor, entries: LayerEntry[], lease: string) {
  if (await ctd.content.info(desc.digest)) return;
  try {
    const source = (offset: number) => ownedChunks(skipBytes(tarStream(entries), offset));
    await ctd.content.write(desc.digest, desc.size, source, { lease });
  } catch (err) {
    // Bytes of a file that changed are not worth resuming: drop them, so the next pack starts clean.
    if (err instanceof HostFileChangedError) await ctd.content.abortWrite(desc.digest);
    throw err;
  }
}

/** Makes an image in containerd straight from host files: one uncompressed layer, no registry. */
export async function packImage(ctd: Containerd, spec: PackSpec): Promise<PackedImage> {
  const name = normalizeReference(spec.name);
  const entries = await layerEntries(spec);
  // The layer is read twice, never held: once to learn its digest, once (only when containerd lacks
  // it) into the content store, which checks the digest again at commit.
  const layerDesc: Descriptor = { mediaType: MediaType.ociLayer, ...(await digestOf(tarStream(entries))) };
  const platform = hostPlatform();
  const config: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {
      Entrypoint: spec.entrypoint ?? null,
      Cmd: spec.cmd ?? null,
      Env: spec.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      ...(spec.user ? { User: spec.user } : {}),
      WorkingDir: spec.workdir ?? '/',
      ...(spec.exposedPorts
        ? { ExposedPorts: Object.fromEntries(spec.exposedPorts.map((p) => [p, {}])) }
        : {}),
      Labels: spec.labels ?? null,
    },
    rootfs: { type: 'layers', diff_ids: [layerDesc.digest] },
  };
  const configBody = Buffer.from(JSON.stringify(config));
  const configDesc: Descriptor = {
    mediaType: MediaType.ociConfig,
    digest: sha256Digest(configBody),
    size: configBody.length,
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: configDesc,
    layers: [layerDesc],
  };
  const manifestBody = Buffer.from(JSON.stringify(manifest));
  const manifestDesc: Descriptor = {
    mediaType: MediaType.ociManifest,
    digest: sha256Digest(manifestBody),
    size: manifestBody.length,
  };
  return ctd.leases.with('faasd-pack', async (lease) => {
    await writeLayer(ctd, layerDesc, entries, lease);
    await ctd.content.writeBuffer(configDesc.digest, configBody, { lease });
    const { chainId } = await commitImage(
      ctd,
      { name, target: manifestDesc, manifestDesc, manifestBody, manifest },
      lease,
    );
    return { name, target: manifestDesc, chainId };
  });
}
