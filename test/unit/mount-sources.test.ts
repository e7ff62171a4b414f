import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ComposeError } from '../../src/supervisor/compose-errors.js';
import type { ServiceSpec } from '../../src/supervisor/compose.js';
import { numericOwner, prepareMountSources } from '../../src/supervisor/mount-sources.js';
import { createLogger } from '../../src/log.js';

const service = (name: string, user: string | undefined, sources: string[]): ServiceSpec => ({
  name,
  image: 'x',
  environment: [],
  mounts: sources.map((source) => ({ source, destination: `/m/${source.length}`, readonly: false })),
  user,
  command: undefined,
  entrypoint: undefined,
  capAdd: [],
  ports: [],
  dependsOn: [],
});

describe('bind sources', () => {
  const cases = [
    { input: '12000:12001', want: { uid: 12000, gid: 12001 } },
    { input: '65534', want: { uid: 65534, gid: -1 } },
    { input: 'app', want: undefined },
    { input: 'app:app', want: undefined },
    { input: undefined, want: undefined },
  ];
  for (const c of cases)
    it(`owner of user ${String(c.input)}`, () => assert.deepEqual(numericOwner(c.input), c.want));

  it('a missing directory source is made, owned by a numeric user; existing ones are untouched', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-mounts-'));
    try {
      await mkdir(join(dir, 'existing'), { mode: 0o700 });
      const log = new PassThrough();
      await prepareMountSources(
        [
          service('nats', '12000:12000', [join(dir, 'nats'), join(dir, 'existing')]),
          service('web', undefined, [join(dir, 'www/html')]),
        ],
        join(dir, 'secrets'),
        createLogger('test', log),
      );
      const nats = await stat(join(dir, 'nats'));
      assert.ok(nats.isDirectory());
      assert.equal(nats.mode & 0o777, 0o755);
      if (process.getuid?.() === 0) assert.deepEqual([nats.uid, nats.gid], [12000, 12000]);
      assert.ok((await stat(join(dir, 'www/html'))).isDirectory());
      const existing = await stat(join(dir, 'existing'));
      assert.equal(existing.mode & 0o777, 0o700);
      assert.equal(existing.uid, process.getuid?.());
      assert.match(String(log.read()), /created bind source service=nats/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const refused = [
    { name: 'a missing file (it has an extension)', source: 'prometheus.yml' },
    { name: 'a missing secret', source: 'secrets/basic-auth-user' },
  ];
  for (const r of refused) {
    it(`refuses ${r.name} before making anything`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-mounts-'));
      try {
        const err = await prepareMountSources(
          [service('a', undefined, [join(dir, 'data'), join(dir, r.source)])],
          join(dir, 'secrets'),
          createLogger('test', new PassThrough()),
        ).catch((e: unknown) => e);
        assert.ok(err instanceof ComposeError, String(err));
        assert.equal(err.service, 'a');
        assert.equal(err.field, 'volumes');
        await assert.rejects(stat(join(dir, 'data')), 'nothing was made');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
