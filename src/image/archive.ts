import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack } from 'tar-stream';
import type { Containerd } from '../containerd/index.js';
import { skipBytes } from '../containerd/index.js';
import type { Descriptor } from '../containerd/index.js';
import { ImageNotFoundError, NoMatchingPlatformError } from './registry-errors.js';
import { commitImage } from './commit.js';
import { GC } from './chain.js';
import {
  formatPlatform,
  hostPlatform,
  isIndex,
  selectManifest,
  type ImageIndex,
  type ImageManifest,
} from './oci.js';
import { normalizeReference } from './reference.js';
import { InvalidArgumentError } from '../errors.js';

const NAME_ANNOTATION = 'io.containerd.image.name';
const REF_ANNOTATION = 'org.opencontainers.image.ref.name';

async function readJson<T>(ctd: Containerd, digest: string): Promise<T> {
  return JSON.parse((await ctd.content.readAll(digest)).toString('utf8')) as T;
}

/** The descriptor to export for an image: its target, or the host's manifest when the index is partial. */
async function exportRoot(ctd: Containerd, target: Descriptor): Promise<Descriptor> {
  if (!isIndex(target.mediaType)) return target;
  const index = await readJson<ImageIndex>(ctd, target.digest);
  const present = await Promise.all(index.manifests.map((m) => ctd.content.info(m.digest)));
  if (present.every(Boolean)) return target;
  const chosen = selectManifest(index, hostPlatform());
  if (!chosen) throw new NoMatchingPlatformError(target.digest, formatPlatform(hostPlatform()), []);
  return { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size };
}

async function blobsOf(ctd: Containerd, root: Descriptor, into: Map<string, number>): Promise<void> {
  into.set(root.digest, root.size);
  if (isIndex(root.mediaType)) {
    const index = await readJson<ImageIndex>(ctd, root.digest);
    for (const m of index.manifests) await blobsOf(ctd, m, into);
    return;
  }
  const manifest = await readJson<ImageManifest>(ctd, root.digest);
  for (const d of [manifest.config, ...manifest.layers]) into.set(d.digest, d.size);
}

/** Writes images as an OCI image layout archive (oci-layout, index.json, blobs/sha256/…). */
export async function exportImages(ctd: Containerd, names: string[], file: string): Promise<void> {
  const roots: Descriptor[] = [];
  const blobs = new Map<string, number>();
  for (const raw of names) {
    const name = normalizeReference(raw);
    const image = await ctd.images.get(name);
    if (!image) throw new ImageNotFoundError(name);
    const root = await exportRoot(ctd, image.target);
    const tag = name.includes('@') ? undefined : name.slice(name.lastIndexOf(':') + 1);
    roots.push({
      ...root,
      annotations: { [NAME_ANNOTATION]: name, ...(tag ? { [REF_ANNOTATION]: tag } : {}) },
    });
    await blobsOf(ctd, root, blobs);
  }
  const p = tarPack();
  const done = pipeline(p, createWriteStream(file, { mode: 0o644 }));
  const add = (name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) =>
      p.entry({ name, mtime: new Date(0) }, body, (e) => (e ? reject(e) : resolve())),
    );
  await add('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await add('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: roots })));
  for (const [digest, size] of blobs) {
    const entry = p.entry({
      name: `blobs/sha256/${digest.slice('sha256:'.length)}`,
      size,
      mtime: new Date(0),
    });
    await pipeline(ctd.content.read(digest), entry);
  }
  p.finalize();
  await done;
}

/** Imports an OCI image layout archive; returns the names of the images it held. */
export async function importImages(ctd: Containerd, file: string, fallbackName?: string): Promise<string[]> {
  return ctd.leases.with('faasd-import', async (lease) => {
    let indexBody: Buffer | undefined;
    const ex = tarExtract();
    ex.on('entry', (header, stream, next) => {
      const name = header.name.replace(/^\.\//, '');
      const blob = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
      const work = async (): Promise<void> => {
        if (name === 'index.json') {
          const parts: Buffer[] = [];
          for await (const c of stream) parts.push(c as Buffer);
          indexBody = Buffer.concat(parts);
        } else if (blob) {
          const digest = `sha256:${blob[1]}`;
          if (await ctd.content.info(digest)) stream.resume();
          else {
            const source = (offset: number) => skipBytes(stream as AsyncIterable<Uint8Array>, offset);
            await ctd.content.write(digest, header.size ?? 0, source, { lease });
          }
        } else {
          stream.resume();
        }
      };
      work().then(
        () => next(),
        (err: Error) => next(err),
      );
    });
    await pipeline(createReadStream(file), ex);
    if (!indexBody)
      throw new InvalidArgumentError('archive', `${file} is not an OCI image archive (no index.json)`);
    const index = JSON.parse(indexBody.toString('utf8')) as ImageIndex;
    const names: string[] = [];
    for (const entry of index.manifests) {
      const ann = entry.annotations ?? {};
      const raw =
        ann[NAME_ANNOTATION] ?? (ann[REF_ANNOTATION]?.includes('/') ? ann[REF_ANNOTATION] : fallbackName);
      if (!raw)
        throw new InvalidArgumentError('name', `${file}: an image has no name annotation; pass a name`);
      const name = normalizeReference(raw);
      const target: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
      let manifestDesc = target;
      let indexPart: { body: Buffer; labels: Record<string, string> } | undefined;
      if (isIndex(entry.mediaType)) {
        const body = await ctd.content.readAll(entry.digest);
        const inner = JSON.parse(body.toString('utf8')) as ImageIndex;
        const chosen = selectManifest(inner, hostPlatform());
        if (!chosen) throw new NoMatchingPlatformError(name, formatPlatform(hostPlatform()), []);
        manifestDesc = { mediaType: chosen.mediaType, digest: chosen.digest, size: chosen.size };
        indexPart = {
          body,
          labels: { [GC.contentManifest(inner.manifests.indexOf(chosen))]: chosen.digest },
        };
      }
      const manifestBody = await ctd.content.readAll(manifestDesc.digest);
      const manifest = JSON.parse(manifestBody.toString('utf8')) as ImageManifest;
      await commitImage(
        ctd,
        { name, target, manifestDesc, manifestBody, manifest, ...(indexPart ? { index: indexPart } : {}) },
        lease,
      );
      names.push(name);
    }
    return names;
  });
}
