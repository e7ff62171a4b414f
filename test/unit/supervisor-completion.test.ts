import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Supervisor } from '../../src/supervisor/supervisor.js';
import type { ServiceSpec } from '../../src/supervisor/compose.js';
import { DependencyFailedError } from '../../src/supervisor/start-errors.js';
import { FakeServiceHost } from '../helpers/service-fakes.js';
import { pollUntil } from '../helpers/wait.js';
import { serviceSpec as service } from '../helpers/service-spec.js';

/** A one-shot `migrate` (restart: no) that `app` waits for with service_completed_successfully. */
function stack(): ServiceSpec[] {
  return [
    service('app', { conditions: { migrate: 'service_completed_successfully' } }),
    service('migrate', { restart: 'no' }),
  ];
}

describe('Supervisor service_completed_successfully (fake containerd)', () => {
  for (const c of [
    { exitStatus: 0, appStarts: 1 },
    { exitStatus: 3, appStarts: 0 },
  ]) {
    it(`the dependency exits ${c.exitStatus}: app ${c.appStarts ? 'starts after it' : 'never starts; up fails naming both'}`, async () => {
      const f = new FakeServiceHost();
      const sup = new Supervisor(stack(), f.deps({ restartDelayMs: 1, recheckIntervalMs: 5 }));
      const up = sup.up();
      try {
        await pollUntil('migrate to start', () => Promise.resolve(f.starts('migrate') === 1 || undefined));
        assert.equal(f.starts('app'), 0, 'not while migrate runs');
        f.ctd.setTask('migrate', { status: 'STOPPED', pid: 0, exitStatus: c.exitStatus });
        if (c.appStarts) {
          await up;
        } else {
          await assert.rejects(up, (err: unknown) => {
            assert.ok(err instanceof DependencyFailedError, String(err));
            assert.deepEqual(
              [err.service, err.dependency, err.condition],
              ['app', 'migrate', 'service_completed_successfully'],
            );
            return true;
          });
        }
        assert.equal(f.starts('app'), c.appStarts);
        assert.deepEqual(f.images.ensured, ['faasd.test/migrate:1', 'faasd.test/app:1']);
      } finally {
        await up.catch(() => undefined);
        await sup.down();
      }
    });
  }
});
