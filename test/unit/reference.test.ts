import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeReference, parseReference } from '../../src/image/index.js';
import { InvalidReferenceError } from '../../src/image/reference.js';

describe('image references', () => {
  const good = [
    { input: 'busybox', want: 'docker.io/library/busybox:latest' },
    { input: 'busybox:1.36', want: 'docker.io/library/busybox:1.36' },
    { input: 'openfaas/gateway:0.27.0', want: 'docker.io/openfaas/gateway:0.27.0' },
    { input: 'ghcr.io/openfaas/gateway:0.27.0', want: 'ghcr.io/openfaas/gateway:0.27.0' },
    { input: 'index.docker.io/library/nats', want: 'docker.io/library/nats:latest' },
    { input: 'localhost/fn', want: 'localhost/fn:latest' },
    { input: '127.0.0.1:5000/a/b/c:v1', want: '127.0.0.1:5000/a/b/c:v1' },
    {
      input: `alpine@sha256:${'a'.repeat(64)}`,
      want: `docker.io/library/alpine@sha256:${'a'.repeat(64)}`,
    },
    { input: `x:1@sha256:${'b'.repeat(64)}`, want: `docker.io/library/x:1@sha256:${'b'.repeat(64)}` },
  ];
  for (const c of good) {
    it(`normalises ${c.input}`, () => assert.equal(normalizeReference(c.input), c.want));
  }

  const bad = [
    '',
    'lower/Upper',
    'a//b',
    'name:bad tag',
    'x@sha256:short',
    'a:b:c',
    '-lead',
    'trail-/x',
    'x:' + 'a'.repeat(200),
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)}`, () => {
      assert.throws(() => parseReference(input), InvalidReferenceError);
    });
  }

  it('keeps the port on the domain', () => {
    const r = parseReference('127.0.0.1:5000/fn');
    assert.deepEqual(r, { domain: '127.0.0.1:5000', path: 'fn', tag: 'latest', digest: undefined });
  });
});
