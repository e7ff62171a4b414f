import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sha256Digest } from '../../src/containerd/index.js';
import { fetchBlob } from '../../src/image/fetch-blob.js';
import { silentProgress } from '../../src/image/progress.js';
import { parseReference } from '../../src/image/reference.js';
import { BlobInterruptedError, RegistryResponseError } from '../../src/image/registry-errors.js';
import { FakeBlobStore, ScriptedBlobSource, type BlobAnswer } from '../helpers/fake-blob-store.js';

const body = randomBytes(1000);
const desc = { mediaType: 'application/octet-stream', digest: sha256Digest(body), size: body.length };
const ref = parseReference('registry.test/x:1');

interface Case {
  name: string;
  /** Bytes an earlier pull left in the store's partial write. */
  partial?: number;
  script: BlobAnswer[];
  /** Offsets the registry was asked for, in order. */
  offsets: number[];
  aborts: number;
  fails?: new (...args: never[]) => Error;
}

const cases: Case[] = [
  { name: 'whole at once', script: [{ kind: 'whole' }], offsets: [0], aborts: 0 },
  {
    name: 'resumes a partial left by an earlier pull',
    partial: 300,
    script: [{ kind: 'whole' }],
    offsets: [300],
    aborts: 0,
  },
  {
    name: 'a resume answered 416 restarts from byte 0 (issue #11)',
    partial: 300,
    script: [{ kind: 'status', status: 416 }, { kind: 'whole' }],
    offsets: [300, 0],
    aborts: 1,
  },
  {
    name: 'a body cut mid-way is resumed where it broke off',
    script: [{ kind: 'cut', cutAt: 400 }, { kind: 'whole' }],
    offsets: [0, 400],
    aborts: 0,
  },
  {
    name: 'cut, then the resume answered 416: restarts from byte 0',
    script: [{ kind: 'cut', cutAt: 400 }, { kind: 'status', status: 416 }, { kind: 'whole' }],
    offsets: [0, 400, 0],
    aborts: 1,
  },
  {
    name: 'cut, 416, cut again: fails after three requests',
    script: [
      { kind: 'cut', cutAt: 400 },
      { kind: 'status', status: 416 },
      { kind: 'cut', cutAt: 400 },
    ],
    offsets: [0, 400, 0],
    aborts: 1,
    fails: BlobInterruptedError,
  },
  {
    name: 'a refused resume, then a refused restart: fails after two requests',
    partial: 300,
    script: [
      { kind: 'status', status: 416 },
      { kind: 'status', status: 503 },
    ],
    offsets: [300, 0],
    aborts: 1,
    fails: RegistryResponseError,
  },
  {
    name: 'a refused first request is not retried',
    script: [{ kind: 'status', status: 503 }],
    offsets: [0],
    aborts: 0,
    fails: RegistryResponseError,
  },
];

describe('fetchBlob: resume and restart', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const store = new FakeBlobStore();
      if (c.partial) store.partial.set(desc.digest, body.subarray(0, c.partial));
      const registry = new ScriptedBlobSource(body, c.script);
      const counter = { bytes: 0 };
      const run = fetchBlob(store, registry, ref, desc, { lease: 'l', progress: silentProgress, counter });
      if (c.fails) await assert.rejects(run, c.fails);
      else await run;
      assert.deepEqual(registry.offsets, c.offsets);
      assert.equal(store.aborted.length, c.aborts);
      if (!c.fails) assert.deepEqual(store.committed.get(desc.digest), body);
      else assert.equal(store.committed.has(desc.digest), false);
    });
  }

  it('asks nothing of the registry for a blob the store has', async () => {
    const store = new FakeBlobStore();
    store.committed.set(desc.digest, body);
    const registry = new ScriptedBlobSource(body, []);
    await fetchBlob(store, registry, ref, desc, {
      lease: 'l',
      progress: silentProgress,
      counter: { bytes: 0 },
    });
    assert.deepEqual(registry.offsets, []);
  });
});
