import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { pollUntil } from '../helpers/wait.js';
import { packImage, type PackSpec } from '../../src/image/index.js';
import type { ImageManifest } from '../../src/image/oci.js';
import { ContainerRuntime, parseLogLine } from '../../src/runtime/index.js';

const BIG_MB = 24;

/** `size` MB of random bytes, written through one buffer; returns their sha256 (hex). */
async function randomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const f = await open(path, 'w', 0o644);
  const chunk = Buffer.allocUnsafe(1 << 20);
  try {
    for (let i = 0; i < size; i++) {
      randomFillSync(chunk);
      hash.update(chunk);
      await f.write(chunk);
    }
  } finally {
    await f.close();
  }
  return hash.digest('hex');
}

/** The sha256 (hex) of one file inside a tar stream, read without holding the tar. */
async function hashInTar(tar: AsyncIterable<Uint8Array>, name: string): Promise<string | undefined> {
  const x = extract();
  let found: string | undefined;
  const reading = (async () => {
    for await (const entry of x) {
      const hash = createHash('sha256');
      for await (const chunk of entry as AsyncIterable<Buffer>) hash.update(chunk);
      if (entry.header.name === name) found = hash.digest('hex');
    }
  })();
  for await (const chunk of tar) {
    if (!x.write(chunk)) await new Promise<void>((resolve) => x.once('drain', () => resolve()));
  }
  x.end(null);
  await reading;
  return found;
}

describe('packing a large host file into an image', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let work: string;

  before(async () => {
    ctd = await startContainerd('pack-stream');
    work = await mkdtemp('/tmp/faasd-test-pack-stream-');
  });
  after(async () => {
    await ctd?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('streams it into containerd, reads back the same bytes, runs as USER app, and packs again as a no-op', async () => {
    const c = ctd.client.inNamespace('pack');
    const big = join(work, 'big');
    const want = await randomFile(big, BIG_MB);
    const spec: PackSpec = {
      name: 'faasd.test/big:1',
      binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
      links: ['sh', 'sha256sum', 'id'].map((n) => ({ imagePath: `/bin/${n}`, target: 'busybox' })),
      paths: [{ hostPath: big, imagePath: '/data/big' }],
      files: [
        {
          imagePath: '/etc/passwd',
          content: 'root:x:0:0:root:/root:/bin/sh\napp:x:12000:12000::/:/bin/sh\n',
        },
        { imagePath: '/etc/group', content: 'root:x:0:\napp:x:12000:\n' },
      ],
      user: 'app',
    };
    const first = await packImage(c, spec);

    const manifest = JSON.parse((await c.content.readAll(first.target.digest)).toString()) as ImageManifest;
    const layer = manifest.layers[0];
    assert.ok(layer && layer.size > BIG_MB << 20, `layer of ${layer?.size} bytes`);
    assert.equal(await hashInTar(c.content.read(layer.digest), 'data/big'), want);
    const written = await c.content.info(layer.digest);

    const runtime = new ContainerRuntime(ctd.client, { logDir: join(work, 'logs'), stopGraceMs: 2000 });
    const running = await runtime.run({
      namespace: 'pack',
      id: 'sum',
      image: 'faasd.test/big:1',
      args: ['sh', '-c', 'echo "$(id -u) $(sha256sum /data/big)"'],
    });
    assert.equal((await runtime.wait('pack', 'sum')).exitStatus, 0);
    // The daemon's log collector writes the line from the FIFO on its own time: after the exit, not by it.
    const text = await pollUntil('the output line in the log file', async () => {
      const t = (await readFile(running.logPath, 'utf8').catch(() => '')).trim();
      return t === '' ? undefined : t;
    });
    const out = text.split('\n').map(parseLogLine);
    assert.deepEqual(
      out.map((l) => l?.text),
      [`12000 ${want}  /data/big`],
    );
    await runtime.remove('pack', 'sum');

    // Same inputs, same digest; the layer in the store stays the one first written.
    const second = await packImage(c, spec);
    assert.equal(second.target.digest, first.target.digest);
    assert.deepEqual((await c.content.info(layer.digest))?.createdAt, written?.createdAt);
    assert.deepEqual(await c.leases.list(), []);
  });
});
