import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceHealth } from '../../src/supervisor/health.js';
import type { ProbeRunner } from '../../src/supervisor/exec-probe.js';
import type { Healthcheck } from '../../src/supervisor/compose-health.js';
import { RecordingLogger } from '../helpers/recording-logger.js';
import { pollUntil } from '../helpers/wait.js';

/** Answers each probe from a script of exit statuses (then the last one), counting the probes. */
class ScriptedProbe implements ProbeRunner {
  probes = 0;
  constructor(private readonly script: (number | Error)[]) {}
  run(): Promise<number> {
    const next = this.script[Math.min(this.probes++, this.script.length - 1)] ?? 0;
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  }
}

const check = (o: Partial<Healthcheck> = {}): Healthcheck => ({
  test: ['true'],
  intervalMs: 2,
  timeoutMs: 1_000,
  retries: 3,
  startPeriodMs: 0,
  startIntervalMs: 2,
  ...o,
});

describe('ServiceHealth (scripted probes)', () => {
  it('failures in the start period do not count: healthy on the first success', async () => {
    const probe = new ScriptedProbe([1, 1, 1, 1, 1, 0]);
    const log = new RecordingLogger();
    const h = new ServiceHealth('db', check({ startPeriodMs: 60_000 }), probe, log);
    h.begin();
    try {
      await h.waitHealthy();
      assert.equal(probe.probes, 6);
      assert.equal(h.status, 'healthy');
      assert.deepEqual(
        log.lines.map((l) => [l.msg, l.fields.service]),
        [['service healthy', 'db']],
      );
    } finally {
      h.end('test over');
    }
  });

  it('`retries` failures in a row make it unhealthy; an exec that cannot run is a failure too', async () => {
    const probe = new ScriptedProbe([1, 0, 1, new Error('task not running')]);
    const log = new RecordingLogger();
    const h = new ServiceHealth('db', check({ retries: 2 }), probe, log);
    h.begin();
    try {
      await h.waitHealthy(); // the second probe
      await pollUntil('unhealthy', () => Promise.resolve(h.status === 'unhealthy' ? true : undefined));
      await assert.rejects(
        h.waitHealthy(),
        /unhealthy after 2 failed health checks \(last: task not running\)/,
      );
      assert.deepEqual(log.lines.at(-1)?.fields, { service: 'db', failures: 2, last: 'task not running' });
    } finally {
      h.end('test over');
    }
  });

  it('a probe that times out is a failure', async () => {
    const h = new ServiceHealth('db', check({ retries: 1 }), new ScriptedProbe([-1]), new RecordingLogger());
    h.begin();
    try {
      await assert.rejects(
        h.waitHealthy(),
        /unhealthy after 1 failed health checks \(last: timed out after 1000 ms\)/,
      );
    } finally {
      h.end('test over');
    }
  });

  it('end() rejects whoever waits', async () => {
    const h = new ServiceHealth('db', check(), new ScriptedProbe([1]), new RecordingLogger());
    h.begin();
    const waiting = h.waitHealthy();
    h.end('faasd up is stopping');
    await assert.rejects(waiting, /faasd up is stopping/);
  });
});
