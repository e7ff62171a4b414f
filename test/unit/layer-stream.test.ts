import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extract } from 'tar-stream';
import { buildTar, hostFile, hostTree, type LayerEntry } from '../../src/image/tar-layer.js';
import { digestOf, HostFileChangedError, ownedChunks, tarStream } from '../../src/image/layer-stream.js';
import { makePackFixture, type PackFixture } from '../helpers/pack-fixture.js';

/** Every byte of a stream; its chunks are copied (`ownedChunks`), as tarStream's are lent. */
async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of ownedChunks(source, 4096)) parts.push(chunk);
  return Buffer.concat(parts);
}

/** The fixture's host files and a few in-memory entries, as packImage plans a layer. */
async function fixtureEntries(fx: PackFixture): Promise<LayerEntry[]> {
  return [
    await hostFile(fx.binary, '/usr/bin/app'),
    ...(await hostTree(fx.tree, '/opt/app')),
    {
      path: '/etc/passwd',
      mode: 0o644,
      type: 'file',
      content: Buffer.from('root:x:0:0:root:/root:/bin/sh\n'),
    },
    { path: '/bin/sh', mode: 0o777, type: 'symlink', linkname: 'busybox' },
    { path: '/tmp', mode: 0o1777, type: 'directory' },
  ];
}

/** The same entries with every host file read into `content`: what the layer was built from before #12. */
async function inMemory(entries: LayerEntry[]): Promise<LayerEntry[]> {
  return Promise.all(
    entries.map(async ({ source, ...e }) =>
      source ? { ...e, content: await readFile(source.hostPath) } : e,
    ),
  );
}

describe('streamed tar layer', () => {
  it('makes the same bytes as the in-memory build of the same files', async () => {
    await using fx = await makePackFixture();
    const entries = await fixtureEntries(fx);
    assert.ok(
      entries.some((e) => e.source && e.source.size > 0),
      'the fixture must stream host files',
    );
    const streamed = await collect(tarStream(entries));
    const buffered = await buildTar(await inMemory(entries));
    assert.equal(streamed.length, buffered.length);
    assert.ok(streamed.equals(buffered), 'streamed and buffered layers differ');
  });

  it('keeps the digest the buffered packer gave this fixture, so existing images keep theirs', async () => {
    await using fx = await makePackFixture();
    // Computed once with buildTar over readFile'd host files (commit 5f599fc, before streaming).
    const before = 'sha256:a82df223e0e91763c6209d1f71c3ecdf7b963b813edc958f8ca53b0d89a2745a';
    assert.deepEqual(await digestOf(tarStream(await fixtureEntries(fx))), { digest: before, size: 309248 });
  });

  it('holds what extract reads back: names, modes, sizes and the host bytes', async () => {
    await using fx = await makePackFixture();
    const seen = new Map<string, { mode: number; body: Buffer; type: string }>();
    const x = extract();
    const done = (async () => {
      for await (const entry of x) {
        seen.set(entry.header.name, {
          mode: entry.header.mode,
          type: entry.header.type,
          body: await collect(entry as AsyncIterable<Buffer>),
        });
      }
    })();
    for await (const chunk of tarStream(await fixtureEntries(fx))) x.write(chunk);
    x.end(null);
    await done;
    assert.ok(seen.get('usr/bin/app')?.body.equals(fx.binaryBytes));
    assert.equal(seen.get('usr/bin/app')?.mode, 0o755);
    assert.equal(seen.get('opt/app/etc/app.conf')?.body.toString(), 'listen: 8080\n');
    assert.equal(seen.get('opt/app/etc/empty')?.body.length, 0);
    assert.equal(seen.get('opt/app/etc/link')?.type, 'symlink');
    assert.equal(seen.get('usr/')?.type, 'directory', 'parent directories are added');
  });

  it('is the same on every read: a second pass hashes to the first', async () => {
    await using fx = await makePackFixture();
    const entries = await fixtureEntries(fx);
    assert.deepEqual(await digestOf(tarStream(entries)), await digestOf(tarStream(entries)));
  });

  const changes = [
    { name: 'grew', change: (path: string) => appendFile(path, 'x'), readSize: 300_002 },
    { name: 'shrank', change: (path: string) => truncate(path, 1000), readSize: 1000 },
  ];
  for (const c of changes) {
    it(`fails with HostFileChangedError when a file ${c.name} after stat, before the tar ends`, async () => {
      await using fx = await makePackFixture();
      const entries = await fixtureEntries(fx);
      await c.change(fx.binary);
      await assert.rejects(digestOf(tarStream(entries)), (err: unknown) => {
        assert.ok(err instanceof HostFileChangedError, `got ${String(err)}`);
        assert.equal(err.hostPath, fx.binary);
        assert.equal(err.statSize, 300_001);
        // A grown file is stopped at its first chunk past the stat'ed size, never read to its end.
        if (c.readSize > err.statSize) assert.ok(err.readSize > err.statSize);
        else assert.equal(err.readSize, c.readSize);
        assert.equal(err.status, 409);
        return true;
      });
    });
  }

  it('fails when a file grows while the tar is being read', async () => {
    await using fx = await makePackFixture();
    const big = join(fx.dir, 'big');
    await writeFile(big, Buffer.alloc(4 << 20, 1));
    const entries = [await hostFile(big, '/big')];
    let grown = false;
    const read = async () => {
      for await (const chunk of tarStream(entries)) {
        if (!grown && chunk.length > 0) {
          // The first chunks are out; the rest of the file is still to be read.
          grown = true;
          await appendFile(big, Buffer.alloc(1 << 20, 2));
        }
      }
    };
    await assert.rejects(read(), HostFileChangedError);
    assert.ok(grown);
  });

  it('stops reading host files when its consumer stops early', async () => {
    await using fx = await makePackFixture();
    for await (const chunk of tarStream(await fixtureEntries(fx))) {
      assert.ok(chunk.length > 0);
      break;
    }
    // Returning at all is the property: a producer left waiting on a drain would hang this test.
  });

  it('refuses a host-file entry in the in-memory build', async () => {
    await using fx = await makePackFixture();
    await assert.rejects(buildTar([await hostFile(fx.binary, '/app')]), /use tarStream/);
  });
});
