import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { startRegistry, freePort, type TestRegistry } from '../helpers/registry.js';
import { needsRoot } from '../helpers/root.js';
import { packBusybox } from '../helpers/busybox.js';
import { digestOf, pushManifest, pushOneLayerImage } from '../helpers/registry-push.js';
import { pollUntil } from '../helpers/wait.js';
import { DigestMismatchError } from '../../src/containerd/index.js';
import {
  RegistryClient,
  exportImages,
  importImages,
  listImages,
  pullImage,
  removeImage,
  resolveImage,
} from '../../src/image/index.js';
import { ImageNotFoundError, RegistryUnreachableError } from '../../src/image/registry-errors.js';
import { InvalidReferenceError } from '../../src/image/reference.js';
import { ContainerRuntime, parseLogLine } from '../../src/runtime/index.js';
import { buildTar } from '../../src/image/tar-layer.js';

describe('images and containers against a private containerd', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let reg: TestRegistry;
  let work: string;
  const registry = new RegistryClient();

  before(async () => {
    ctd = await startContainerd('image');
    reg = await startRegistry();
    work = await mkdtemp('/tmp/faasd-test-work-');
  });
  after(async () => {
    await ctd?.stop();
    await reg?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packs, exports, pushes with skopeo, pulls back (twice), runs, and deletes without leftovers', async () => {
    const c = ctd.client.inNamespace('itest');
    await packBusybox(c, 'faasd.test/busybox:1');
    await reg.push(c, 'faasd.test/busybox:1', 'test/busybox:1');
    await removeImage(c, 'faasd.test/busybox:1');

    const ref = `${reg.host}/test/busybox:1`;
    const first = await pullImage(c, registry, ref);
    assert.ok(first.fetchedBytes > 1_000_000, `first pull fetched ${first.fetchedBytes} bytes`);
    const second = await pullImage(c, registry, ref);
    assert.equal(second.fetchedBytes, 0);
    assert.equal(second.target.digest, first.target.digest);
    assert.deepEqual(
      (await listImages(c)).map((i) => i.name),
      [ref],
    );

    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'logs'), stopGraceMs: 2000 });
    const running = await runtime.run({
      namespace: 'itest',
      id: 'exit3',
      image: ref,
      args: ['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'],
    });
    // The task is known by its container's ID through Get and List (containerd leaves container_id empty).
    assert.equal((await c.tasks.get('exit3'))?.containerId, 'exit3');
    assert.deepEqual(
      (await c.tasks.list()).map((t) => t.containerId),
      ['exit3'],
    );
    const status = await runtime.wait('itest', 'exit3');
    assert.equal(status.exitStatus, 3);
    await runtime.stop('itest', 'exit3');
    const lines = (await readFile(running.logPath, 'utf8')).trim().split('\n').map(parseLogLine);
    assert.deepEqual(lines.map((l) => `${l?.stream} ${l?.text}`).sort(), [
      'stderr to-stderr',
      'stdout to-stdout',
    ]);
    for (const l of lines) assert.match(l?.time ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

    await runtime.remove('itest', 'exit3');
    assert.deepEqual(await c.containers.list(), []);
    assert.deepEqual(await c.tasks.list(), []);
    assert.equal(await c.snapshots.stat('exit3'), undefined);
    assert.deepEqual(
      (await c.leases.list()).map((l) => l.id),
      [],
    );
    // What remains are the image's own committed layer snapshots.
    const snaps = await c.snapshots.list();
    assert.ok(
      snaps.every((s) => s.kind === 'COMMITTED'),
      JSON.stringify(snaps),
    );
  });

  it('streams task-exit events with the exit status', async () => {
    const c = ctd.client.inNamespace('events');
    await packBusybox(c, 'faasd.test/busybox:ev');
    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'logs') });
    const ctl = new AbortController();
    const seen = (async () => {
      for await (const ev of ctd.client.events.subscribe(
        ['topic=="/tasks/exit"', 'namespace==events'],
        ctl.signal,
      )) {
        if (ev.topic === '/tasks/exit' && ev.containerId === 'exit7') return ev;
      }
      return undefined;
    })();
    // The subscription must be in place before the task can exit: a first event proves it.
    await runtime.run({
      namespace: 'events',
      id: 'exit7',
      image: 'faasd.test/busybox:ev',
      args: ['sh', '-c', 'sleep 0.2; exit 7'],
    });
    const ev = await seen;
    ctl.abort();
    assert.ok(ev && 'exitStatus' in ev);
    assert.equal(ev.exitStatus, 7);
    assert.equal(ev.namespace, 'events');
    await runtime.remove('events', 'exit7');
  });

  it('resumes an interrupted blob write from the offset containerd holds', async () => {
    const c = ctd.client.inNamespace('resume');
    const data = Buffer.alloc(3 * 1024 * 1024, 7);
    const digest = digestOf(data);
    await c.leases.with('test-resume', async (lease) => {
      const offsets: number[] = [];
      const broken = async function* (offset: number) {
        offsets.push(offset);
        yield data.subarray(offset, offset + 1024 * 1024);
        throw new Error('connection reset');
      };
      await assert.rejects(c.content.write(digest, data.length, broken, { lease }), /connection reset/);
      await c.content.write(
        digest,
        data.length,
        async function* (offset) {
          offsets.push(offset);
          yield data.subarray(offset);
        },
        { lease },
      );
      assert.deepEqual(offsets, [0, 1024 * 1024]);
      assert.equal((await c.content.info(digest))?.size, data.length);
    });
  });

  it('imports an archive it exported', async () => {
    const c = ctd.client.inNamespace('import');
    await packBusybox(c, 'faasd.test/busybox:imp');
    const archive = join(work, 'imp.tar');
    await exportImages(c, ['faasd.test/busybox:imp'], archive);
    await removeImage(c, 'faasd.test/busybox:imp');
    assert.deepEqual(await importImages(c, archive), ['faasd.test/busybox:imp']);
    const img = await resolveImage(c, 'faasd.test/busybox:imp');
    assert.ok(await c.snapshots.stat(img.chainId));
  });

  it('resolves a multi-platform index to the host platform', async () => {
    const c = ctd.client.inNamespace('multi');
    const repo = 'test/multi';
    const manifests = [];
    for (const arch of ['arm64', 'amd64', 'ppc64le']) {
      const layer = await buildTar([
        { path: `/arch-${arch}`, type: 'file', mode: 0o644, content: Buffer.from(arch) },
      ]);
      const { manifest } = await pushOneLayerImage(reg.host, repo, layer, arch);
      const digest = await pushManifest(
        reg.host,
        repo,
        digestOf(manifest),
        'application/vnd.oci.image.manifest.v1+json',
        manifest,
      );
      manifests.push({
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest,
        size: manifest.length,
        platform: { architecture: arch, os: 'linux' },
      });
    }
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }),
    );
    await pushManifest(reg.host, repo, 'multi', 'application/vnd.oci.image.index.v1+json', index);

    const want = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const pulled = await pullImage(c, registry, `${reg.host}/${repo}:multi`);
    assert.equal(pulled.target.mediaType, 'application/vnd.oci.image.index.v1+json');
    assert.equal(pulled.config.architecture, want);
    const img = await resolveImage(c, `${reg.host}/${repo}:multi`);
    assert.equal(img.config.architecture, want);
  });

  it('gives typed errors and leaves no image record behind', async () => {
    const c = ctd.client.inNamespace('errors');
    await assert.rejects(pullImage(c, registry, 'Not//Valid::ref'), InvalidReferenceError);
    await assert.rejects(pullImage(c, registry, `${reg.host}/test/nothing:here`), ImageNotFoundError);
    const dead = `127.0.0.1:${await freePort()}`;
    await assert.rejects(pullImage(c, registry, `${dead}/test/busybox:1`), RegistryUnreachableError);

    // Tamper a layer in the registry's storage: same length, different bytes.
    const repo = 'test/tampered';
    const layer = await buildTar([
      { path: '/data', type: 'file', mode: 0o644, content: Buffer.alloc(4096, 1) },
    ]);
    const { manifest, layerDigest } = await pushOneLayerImage(reg.host, repo, layer, 'amd64');
    await pushManifest(reg.host, repo, 'v1', 'application/vnd.oci.image.manifest.v1+json', manifest);
    const hex = layerDigest.slice(7);
    const blobFile = join(reg.storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    const tampered = Buffer.from(layer);
    tampered[1000] = (tampered[1000] ?? 0) ^ 0xff;
    await writeFile(blobFile, tampered);
    const err = await pullImage(c, registry, `${reg.host}/${repo}:v1`).catch((e: unknown) => e);
    assert.ok(err instanceof DigestMismatchError, String(err));
    assert.equal(err.expected, layerDigest);

    assert.deepEqual(await c.images.list(), []);
    await pollUntil('pull leases to end', async () =>
      (await c.leases.list()).length === 0 ? true : undefined,
    );
    assert.deepEqual(await readdir(ctd.dir).then((d) => d.includes('root')), true);
  });
});
