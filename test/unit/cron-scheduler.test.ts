import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { CronScheduler } from '../../src/cron/scheduler.js';
import { createLogger } from '../../src/log.js';
import { FakeClock, FakeFunctionSource, FakeInvoker } from '../helpers/fake-cron.js';

function setup() {
  const clock = new FakeClock(new Date('2026-03-01T10:00:00Z'));
  const source = new FakeFunctionSource();
  const invoker = new FakeInvoker();
  const logged = new PassThrough();
  const lines: string[] = [];
  logged.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const cron = new CronScheduler({
    source,
    invoker,
    clock,
    log: createLogger('test', logged),
    refreshMs: 5000,
  });
  return { clock, source, invoker, cron, lines };
}

const cronFn = (name: string, schedule: string, extra: Record<string, string> = {}) => ({
  name,
  namespace: 'openfaas-fn',
  annotations: { topic: 'cron-function', schedule, ...extra },
});

describe('CronScheduler (fake clock, source and invoker)', () => {
  it('invokes a cron function on its schedule, sync, and counts each run by status code', async () => {
    const t = setup();
    t.source.functions = [cronFn('tick', '@every 2s'), { name: 'plain', namespace: 'openfaas-fn' }];
    await t.cron.start();
    try {
      await t.clock.advance(5000);
      assert.deepEqual(t.invoker.calls, ['sync tick.openfaas-fn', 'sync tick.openfaas-fn']);
      t.invoker.status = 500;
      await t.clock.advance(2000);
      assert.match(
        t.cron.metrics.render(),
        /cron_invocations_total\{function="tick.openfaas-fn",code="200"\} 2/,
      );
      assert.match(
        t.cron.metrics.render(),
        /cron_invocations_total\{function="tick.openfaas-fn",code="500"\} 1/,
      );
      assert.ok(t.lines.some((l) => l.includes('cron: invoked') && l.includes('function=tick.openfaas-fn')));
    } finally {
      t.cron.stop();
    }
  });

  it('sends a function with async: "true" through the queue', async () => {
    const t = setup();
    t.source.functions = [cronFn('later', '@every 1s', { async: 'true' })];
    await t.cron.start();
    try {
      await t.clock.advance(1000);
      assert.deepEqual(t.invoker.calls, ['async later.openfaas-fn']);
    } finally {
      t.cron.stop();
    }
  });

  it('follows updates, deletes and new namespaces at the next refresh; a deleted function leaves no series', async () => {
    const t = setup();
    t.source.functions = [cronFn('a', '@every 1s')];
    await t.cron.start();
    try {
      await t.clock.advance(1000);
      assert.equal(t.invoker.calls.length, 1);
      t.source.functions = [cronFn('a', '@yearly'), { ...cronFn('b', '@every 1s'), namespace: 'team' }];
      await t.clock.advance(5000); // the refresh at 5 s applies both
      const calls = t.invoker.calls.length;
      await t.clock.advance(3000);
      assert.deepEqual(t.invoker.calls.slice(calls), ['sync b.team', 'sync b.team', 'sync b.team']);
      t.source.functions = [];
      await t.clock.advance(2000); // refresh at 10 s
      const after = t.invoker.calls.length;
      await t.clock.advance(10_000);
      assert.equal(t.invoker.calls.length, after);
      assert.deepEqual(t.cron.scheduled(), []);
      assert.doesNotMatch(t.cron.metrics.render(), /function=/);
    } finally {
      t.cron.stop();
    }
  });

  it('skips a run while the previous one is still going, and keeps its schedule when the source fails', async () => {
    const t = setup();
    t.source.functions = [cronFn('slow', '@every 1s')];
    await t.cron.start();
    try {
      t.invoker.hold = true;
      await t.clock.advance(3000);
      assert.equal(t.invoker.calls.length, 1);
      assert.equal(t.lines.filter((l) => l.includes('skipped')).length, 2);
      t.invoker.hold = false;
      t.invoker.release();
      t.source.fail = true;
      await t.clock.advance(3000); // the refresh at 5 s fails: the schedule stays
      assert.ok(t.invoker.calls.length >= 3);
      assert.ok(t.lines.some((l) => l.includes('cannot list functions')));
    } finally {
      t.cron.stop();
    }
  });

  it('logs a bad schedule of an old deployment once and schedules nothing for it', async () => {
    const t = setup();
    t.source.functions = [cronFn('old', 'every minute')];
    await t.cron.start();
    try {
      await t.clock.advance(15_000);
      assert.deepEqual(t.invoker.calls, []);
      assert.equal(t.lines.filter((l) => l.includes('bad schedule')).length, 1);
    } finally {
      t.cron.stop();
    }
  });
});
