import { createHash } from 'node:crypto';

export function digestOf(body: Buffer): string {
  return `sha256:${createHash('sha256').update(body).digest('hex')}`;
}

/** Pushes a blob to a test registry with the distribution API's monolithic upload. */
export async function pushBlob(host: string, repo: string, body: Buffer): Promise<string> {
  const digest = digestOf(body);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) throw new Error(`upload start: ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', `http://${host}`);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (put.status !== 201) throw new Error(`upload: ${put.status} ${await put.text()}`);
  return digest;
}

export async function pushManifest(
  host: string,
  repo: string,
  ref: string,
  mediaType: string,
  body: Buffer,
): Promise<string> {
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${ref}`, {
    method: 'PUT',
    body,
    headers: { 'Content-Type': mediaType },
  });
  if (res.status !== 201) throw new Error(`manifest put: ${res.status} ${await res.text()}`);
  return digestOf(body);
}

/** Pushes a one-layer image's layer and config; returns the manifest body (not pushed) and the layer digest. */
export async function pushOneLayerImage(
  host: string,
  repo: string,
  layer: Buffer,
  arch: string,
): Promise<{ manifest: Buffer; layerDigest: string }> {
  const layerDigest = await pushBlob(host, repo, layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      config: { Cmd: ['/x'] },
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = await pushBlob(host, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
      ],
    }),
  );
  return { manifest, layerDigest };
}
