import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRetryingShimRace, isShimSocketRace } from '../../src/runtime/shim-start.js';

// The messages containerd 1.6 gave in bench/density (tasks.Create, 50 deploys at a time).
const LOST =
  'containerd tasks.Create: failed to start shim: start failed: io.containerd.runc.v2: create new shim socket: ' +
  'chmod /run/containerd/s/441bb5: no such file or directory: exit status 1';
const LOST_TWICE =
  'containerd tasks.Create: failed to start shim: start failed: io.containerd.runc.v2: try create new shim socket 2x: ' +
  'chmod /run/containerd/s/441bb5: no such file or directory: exit status 1';

/** A task create that fails with the given messages, then succeeds; counts its calls. */
function flaky(...failures: string[]) {
  const calls = { n: 0 };
  const create = async () => {
    const msg = failures[calls.n++];
    if (msg !== undefined) throw new Error(msg);
    return 'created';
  };
  return { calls, create };
}

const waits: number[] = [];
const sleep = async (ms: number) => {
  waits.push(ms);
};

test('a create that lost the shim socket race is tried again and succeeds', async () => {
  waits.length = 0;
  const { calls, create } = flaky(LOST, LOST_TWICE);
  assert.equal(await createRetryingShimRace(create, { sleep, stepMs: 10 }), 'created');
  assert.equal(calls.n, 3);
  assert.equal(waits.length, 2);
  assert.ok(waits[0]! >= 10 && waits[0]! <= 20, `first wait ${waits[0]}`);
  assert.ok(waits[1]! >= 20 && waits[1]! <= 40, `second wait ${waits[1]}`);
});

test('any other task create error is thrown at once', async () => {
  const { calls, create } = flaky(
    'containerd tasks.Create: OCI runtime create failed: exec: "nope": not found',
  );
  await assert.rejects(createRetryingShimRace(create, { sleep }), /OCI runtime create failed/);
  assert.equal(calls.n, 1);
});

test('the race is tried at most `attempts` times, then its error is thrown', async () => {
  const { calls, create } = flaky(LOST, LOST, LOST);
  await assert.rejects(createRetryingShimRace(create, { sleep, attempts: 3 }), /create new shim socket/);
  assert.equal(calls.n, 3);
});

test('the race is told by its message only', () => {
  assert.equal(isShimSocketRace(new Error(LOST)), true);
  assert.equal(isShimSocketRace(new Error(LOST_TWICE)), true);
  assert.equal(
    isShimSocketRace(new Error('failed to start shim: exec: containerd-shim-runc-v2: not found')),
    false,
  );
  assert.equal(isShimSocketRace('create new shim socket'), false);
});
