import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { GrpcConnection, packageDefinition } from '../../src/containerd/grpc.js';
import { present, type Scope } from '../../src/containerd/scope.js';
import { SERVICES } from '../../src/containerd/wire.js';
import { FaasdError } from '../../src/errors.js';

/**
 * Compile-time checks, run by the type check of `npm test`: each marked line must fail to compile (an
 * unused @ts-expect-error fails the type check). Never called.
 */
export async function _misspeltCallsFailToCompile(scope: Scope): Promise<void> {
  // @ts-expect-error a method the service lacks
  await scope.call('tasks', 'Creat', { containerId: 'x' });
  // @ts-expect-error a misspelt request field
  await scope.call('tasks', 'Create', { containerID: 'x' });
  // @ts-expect-error a server-streaming method called as unary
  await scope.call('content', 'Read', { digest: 'x' });
  // @ts-expect-error a unary method listed as a stream
  await scope.list('tasks', 'List', {});
  const started = await scope.call('tasks', 'Start', { containerId: 'x' });
  // @ts-expect-error a response field that does not exist
  void started.pdi;
  // @ts-expect-error an enum value the proto does not define
  scope.conn.duplex('test', 'content', 'Write').write({ action: 'WRIT' });
}

describe('containerd wire types', () => {
  const conn = new GrpcConnection(`unix://${join(tmpdir(), 'faasd-wire-test-no-such.sock')}`);
  after(() => conn.close());

  it('every service the types name is in the loaded .proto subset', () => {
    const definition = packageDefinition();
    for (const [name, full] of Object.entries(SERVICES)) {
      assert.ok(definition[full], `${name}: ${full} is not loaded`);
    }
  });

  it('a method outside the .proto subset fails before anything is sent', () => {
    assert.throws(() => conn.unary('test', 'tasks', 'Nope' as never, {} as never), {
      message: 'tasks.Nope is not in the proto subset',
    });
  });

  it('present() turns a message containerd left out into an internal error', () => {
    assert.deepEqual(present({ pid: 7 }, 'the task'), { pid: 7 });
    assert.throws(
      () => present(null, 'the task of x'),
      (err: unknown) => err instanceof FaasdError && err.kind === 'internal',
    );
  });
});
