import { describe, it, afterEach, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { join } from 'node:path';
import { cacheHeader, compileCached, readCache, writeCache } from '../../src/launcher/code-cache.js';
import { DEFAULT_STATE_DIR, cacheFileFor, launch, stateDirOf } from '../../src/launcher/launch.js';
import { startupDone } from '../../src/launcher/hook.js';
import { DEFAULTS } from '../../src/config/index.js';

// V8 keeps compiled scripts per isolate and answers a second compile of the same source from there,
// without looking at the cache data: off, so each compile here reads (or rejects) the file's data as
// a new process does.
setFlagsFromString('--no-compilation-cache');

const uid = process.getuid?.() ?? 0;
const HOOK = Symbol.for('faasd.codeCache');
/** A CommonJS body as Module.wrap shapes it: enough functions for V8 to have something to cache. */
const SOURCE = `(function (exports, require, module) { function add(a, b) { return a + b; } module.exports = add(2, 3); })`;

let dir: string;
let cache: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  cache = join(dir, 'cache', 'faasd.v8');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  delete (globalThis as Record<symbol, unknown>)[HOOK];
});

describe('the code cache file', () => {
  it('is missing at first, written 0600 in a 0700 folder, then a hit that runs the same code', () => {
    const first = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
    assert.equal(first.status, 'missing');
    assert.equal(writeCache(first.script, cache, 'k1', uid), true);
    assert.equal(statSync(cache).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'cache')).mode & 0o777, 0o700);
    const second = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
    assert.equal(second.status, 'hit');
    const m = { exports: 0 };
    (second.script.runInThisContext() as (e: object, r: unknown, m: { exports: number }) => void)(
      {},
      null,
      m,
    );
    assert.equal(m.exports, 5);
  });

  it('is stale when made for another build (key), and a new write replaces it', () => {
    writeCache(compileCached(SOURCE, 'bundle.cjs', cache, 'old', uid).script, cache, 'old', uid);
    const next = compileCached(SOURCE, 'bundle.cjs', cache, 'new', uid);
    assert.equal(next.status, 'stale');
    writeCache(next.script, cache, 'new', uid);
    assert.equal(compileCached(SOURCE, 'bundle.cjs', cache, 'new', uid).status, 'hit');
  });

  it('is rejected when V8 refuses its data (damaged), and compiles without it', () => {
    mkdirSync(join(dir, 'cache'), { mode: 0o700 });
    writeFileSync(cache, Buffer.concat([cacheHeader('k1'), Buffer.from('not V8 code cache data')]), {
      mode: 0o600,
    });
    const got = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
    assert.equal(got.status, 'rejected');
    writeCache(got.script, cache, 'k1', uid);
    assert.equal(compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid).status, 'hit');
  });

  it('is written atomically: a new file renamed over the old, no temporary file left', () => {
    const { script } = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
    writeCache(script, cache, 'k1', uid);
    const before = statSync(cache).ino;
    writeCache(script, cache, 'k1', uid);
    assert.notEqual(statSync(cache).ino, before);
    assert.deepEqual(readdirSync(join(dir, 'cache')), ['faasd.v8']);
    assert.ok(readFileSync(cache).subarray(0, cacheHeader('k1').length).equals(cacheHeader('k1')));
  });

  const untrusted: { name: string; make: () => void }[] = [
    { name: 'a group-writable file', make: () => chmodSync(cache, 0o620) },
    { name: 'a world-writable folder', make: () => chmodSync(join(dir, 'cache'), 0o777) },
    {
      name: 'a symbolic link',
      make: () => {
        rmSync(cache);
        writeFileSync(join(dir, 'elsewhere'), 'x');
        symlinkSync(join(dir, 'elsewhere'), cache);
      },
    },
  ];
  for (const c of untrusted) {
    it(`is neither read nor written when it is ${c.name}`, () => {
      const { script } = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
      writeCache(script, cache, 'k1', uid);
      c.make();
      assert.equal(readCache(cache, 'k1', uid).status, 'untrusted');
      if (c.name.includes('folder')) assert.equal(writeCache(script, cache, 'k1', uid), false);
    });
  }

  it('is read only when owned by this user', () => {
    const { script } = compileCached(SOURCE, 'bundle.cjs', cache, 'k1', uid);
    writeCache(script, cache, 'k1', uid);
    assert.equal(readCache(cache, 'k1', uid + 1).status, 'untrusted');
  });

  it('is not written when the state folder itself is missing (faasd makes that one)', () => {
    const deep = join(dir, 'no-state', 'cache', 'faasd.v8');
    const { script } = compileCached(SOURCE, 'bundle.cjs', deep, 'k1', uid);
    assert.equal(writeCache(script, deep, 'k1', uid), false);
  });
});

describe('the launcher', () => {
  it('finds the state folder as the configuration does: environment, config file, default', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ stateDir: '/srv/faasd' }));
    const cases: { name: string; env: NodeJS.ProcessEnv; want: string }[] = [
      { name: 'env', env: { FAASD_STATE_DIR: '/x', FAASD_CONFIG: file }, want: '/x' },
      { name: 'file', env: { FAASD_CONFIG: file }, want: '/srv/faasd' },
      { name: 'bad file', env: { FAASD_CONFIG: join(dir, 'missing.json') }, want: DEFAULTS.stateDir },
      { name: 'default', env: {}, want: DEFAULTS.stateDir },
    ];
    for (const c of cases) assert.equal(stateDirOf(c.env), c.want, c.name);
    assert.equal(DEFAULT_STATE_DIR, DEFAULTS.stateDir);
  });

  it('keeps a cache for root only', () => {
    assert.equal(cacheFileFor({ FAASD_STATE_DIR: '/s' }, 0), '/s/cache/faasd.v8');
    assert.equal(cacheFileFor({ FAASD_STATE_DIR: '/s' }, 1000), undefined);
  });

  it('runs the bundle, and saves its cache once the start is done only when there was no good one', () => {
    const bundle = (key: string) => ({
      source: `#!/usr/bin/env node\nglobalThis.__launched = (globalThis.__launched ?? 0) + 1; module.exports = __filename;`,
      filename: join(dir, 'faasd.cjs'),
      key,
    });
    const env = { FAASD_STATE_DIR: dir };
    const runs: [string, Record<string, string | boolean>][] = [];
    for (const key of ['build1', 'build1', 'build2', 'build2']) {
      launch(bundle(key), env, uid);
      runs.push([key, startupDone()]);
    }
    assert.deepEqual(
      runs.map(([, f]) => [f.code_cache, f.code_cache_saved]),
      uid === 0
        ? [
            ['missing', true],
            ['hit', false],
            ['stale', true],
            ['hit', false],
          ]
        : [
            ['off', false],
            ['off', false],
            ['off', false],
            ['off', false],
          ],
    );
    assert.equal((globalThis as { __launched?: number }).__launched, 4);
  });

  it('reports nothing without a launcher (dist/ or tsx)', () => {
    assert.deepEqual(startupDone(), {});
  });
});
