import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { needsRoot } from '../helpers/root.js';
import { pushManifest, pushOneLayerImage } from '../helpers/registry-push.js';
import { startFaultyBlobProxy, type FaultyBlobProxy } from '../helpers/faulty-blob-proxy.js';
import { pollUntil } from '../helpers/wait.js';
import { RegistryClient, pullImage } from '../../src/image/index.js';
import { BlobInterruptedError } from '../../src/image/registry-errors.js';
import { buildTar } from '../../src/image/tar-layer.js';

const MiB = 1 << 20;
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Issue #11: a registry that breaks off a blob and then refuses the resume with 416. */
describe('pull through a registry that refuses a resumed blob', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let reg: TestRegistry;
  const proxies: FaultyBlobProxy[] = [];
  const registry = new RegistryClient();

  before(async () => {
    ctd = await startContainerd('pull-resume');
    reg = await startRegistry();
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await ctd?.stop();
    await reg?.stop();
  });

  /** A 4 MiB layer of random bytes (bigger than containerd's 1 MiB write messages, so a cut leaves a partial). */
  async function pushImage(repo: string): Promise<string> {
    const layer = await buildTar([
      { path: '/data', type: 'file', mode: 0o644, content: randomBytes(4 * MiB) },
    ]);
    const { manifest, layerDigest } = await pushOneLayerImage(
      reg.host,
      repo,
      layer,
      process.arch === 'arm64' ? 'arm64' : 'amd64',
    );
    await pushManifest(reg.host, repo, 'v1', MANIFEST, manifest);
    return layerDigest;
  }

  it('a body cut mid-way, then a resume answered 416: restarts from byte 0 and completes', async () => {
    const c = ctd.client.inNamespace('refused');
    const layerDigest = await pushImage('test/refused');
    const proxy = await startFaultyBlobProxy(reg.host, layerDigest, {
      cutAt: Math.floor(2.5 * MiB),
      faults: 2,
    });
    proxies.push(proxy);

    const pulled = await pullImage(c, registry, `${proxy.host}/test/refused:v1`);

    assert.deepEqual(
      proxy.requests.map((r) => r.answer),
      ['cut', '416', 'whole'],
    );
    assert.match(proxy.requests[1]?.range ?? '', /^bytes=[1-9]\d*-$/);
    assert.equal(proxy.requests[2]?.range, undefined);
    assert.equal(pulled.manifest.layers[0]?.digest, layerDigest);
    const info = await c.content.info(layerDigest);
    assert.equal(info?.digest, layerDigest);
    assert.equal(Number(info?.size), pulled.manifest.layers[0]?.size);
    assert.equal((await c.images.list()).length, 1);
  });

  it('gives up after one restart: at most three requests for the blob, a typed error, no image', async () => {
    const c = ctd.client.inNamespace('broken');
    const layerDigest = await pushImage('test/broken');
    const proxy = await startFaultyBlobProxy(reg.host, layerDigest, {
      cutAt: Math.floor(2.5 * MiB),
      faults: 10,
    });
    proxies.push(proxy);

    const err = await pullImage(c, registry, `${proxy.host}/test/broken:v1`).catch((e: unknown) => e);

    assert.ok(err instanceof BlobInterruptedError, String(err));
    assert.equal(err.digest, layerDigest);
    assert.deepEqual(
      proxy.requests.map((r) => r.answer),
      ['cut', '416', 'cut'],
    );
    assert.deepEqual(await c.images.list(), []);
    await pollUntil('pull leases to end', async () =>
      (await c.leases.list()).length === 0 ? true : undefined,
    );
  });
});
