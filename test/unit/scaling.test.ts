import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  DEFAULT_POLICY,
  HARD_MAX_REPLICAS,
  parseGoDuration,
  parseScaleLabels,
} from '../../src/provider/scale-labels.js';
import { replicasFor } from '../../src/autoscaler/policy.js';
import { LoadTracker, leastLoaded } from '../../src/provider/balancer.js';
import { Stabiliser } from '../../src/autoscaler/stabiliser.js';
import { ScaleMetrics } from '../../src/autoscaler/scale-metrics.js';

const L = 'com.openfaas.scale.';

describe('scale labels (OpenFaaS Pro)', () => {
  it('reads valid labels, with the defaults for the rest', () => {
    const cases: {
      name: string;
      input: Record<string, string> | undefined;
      want: Partial<ReturnType<typeof parseScaleLabels>>;
    }[] = [
      { name: 'none', input: undefined, want: { ...DEFAULT_POLICY, autoscale: false } },
      { name: 'unrelated labels', input: { team: 'a' }, want: { min: 1, max: 20, autoscale: false } },
      {
        name: 'min and max',
        input: { [`${L}min`]: '2', [`${L}max`]: '5' },
        want: { min: 2, max: 5, autoscale: true },
      },
      {
        name: 'min = max disables',
        input: { [`${L}min`]: '3', [`${L}max`]: '3' },
        want: { min: 3, autoscale: false },
      },
      {
        name: 'capacity',
        input: { [`${L}type`]: 'capacity', [`${L}target`]: '1', [`${L}target-proportion`]: '1' },
        want: { type: 'capacity', target: 1, proportion: 1, autoscale: true },
      },
      { name: 'cpu', input: { [`${L}type`]: 'cpu' }, want: { type: 'cpu', autoscale: true } },
      {
        name: 'zero only',
        input: { [`${L}zero`]: 'true', [`${L}zero-duration`]: '2s' },
        want: { zero: true, zeroDurationMs: 2000, autoscale: false },
      },
      {
        name: 'zero-duration 1h30m',
        input: { [`${L}zero-duration`]: '1h30m' },
        want: { zeroDurationMs: 5_400_000 },
      },
      {
        name: 'max at the hard cap',
        input: { [`${L}max`]: String(HARD_MAX_REPLICAS) },
        want: { max: HARD_MAX_REPLICAS },
      },
    ];
    for (const c of cases) {
      const got = parseScaleLabels(c.input);
      for (const [k, v] of Object.entries(c.want))
        assert.deepEqual(got[k as keyof typeof got], v, `${c.name}: ${k}`);
    }
  });

  it('rejects bad values with a 400 naming the label and value', () => {
    const cases: { name: string; input: Record<string, string>; label: string }[] = [
      { name: 'min not a number', input: { [`${L}min`]: 'one' }, label: `${L}min` },
      { name: 'min 0', input: { [`${L}min`]: '0' }, label: `${L}min` },
      { name: 'max negative', input: { [`${L}max`]: '-1' }, label: `${L}max` },
      { name: 'max over the cap', input: { [`${L}max`]: String(HARD_MAX_REPLICAS + 1) }, label: `${L}max` },
      { name: 'min above max', input: { [`${L}min`]: '4', [`${L}max`]: '2' }, label: `${L}min` },
      { name: 'target 1.5', input: { [`${L}target`]: '1.5' }, label: `${L}target` },
      { name: 'unknown type', input: { [`${L}type`]: 'memory' }, label: `${L}type` },
      { name: 'proportion 0', input: { [`${L}target-proportion`]: '0' }, label: `${L}target-proportion` },
      { name: 'proportion 2', input: { [`${L}target-proportion`]: '2' }, label: `${L}target-proportion` },
      { name: 'zero yes', input: { [`${L}zero`]: 'yes' }, label: `${L}zero` },
      { name: 'duration no unit', input: { [`${L}zero-duration`]: '15' }, label: `${L}zero-duration` },
      { name: 'duration days', input: { [`${L}zero-duration`]: '1d' }, label: `${L}zero-duration` },
      { name: 'duration too short', input: { [`${L}zero-duration`]: '10ms' }, label: `${L}zero-duration` },
    ];
    for (const c of cases) {
      const err = (() => {
        try {
          parseScaleLabels(c.input);
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof InvalidArgumentError, c.name);
      assert.equal(err.status, 400, c.name);
      assert.equal(err.field, 'labels', c.name);
      assert.ok(
        err.message.includes(c.label) && err.message.includes(Object.values(c.input).at(-1) ?? ''),
        c.name,
      );
    }
  });

  it('parses Go durations', () => {
    const cases = [
      { input: '2s', want: 2000 },
      { input: '15m', want: 900_000 },
      { input: '1h30m', want: 5_400_000 },
      { input: '1.5h', want: 5_400_000 },
      { input: '300ms', want: 300 },
      { input: '0', want: 0 },
      { input: '', want: undefined },
      { input: '-2s', want: undefined },
      { input: '2 s', want: undefined },
      { input: 's', want: undefined },
    ];
    for (const c of cases) assert.equal(parseGoDuration(c.input), c.want, JSON.stringify(c.input));
  });

  it('replicas = ceil(load / (target × proportion)) within [min, max]', () => {
    const p = { min: 1, max: 5, target: 10, proportion: 0.9 };
    const cases = [
      { load: 0, want: 1 },
      { load: 9, want: 1 },
      { load: 9.5, want: 2 },
      { load: 18, want: 2 },
      { load: 27, want: 3 },
      { load: 1000, want: 5 },
    ];
    for (const c of cases) assert.equal(replicasFor(c.load, p), c.want, `load ${c.load}`);
    assert.equal(replicasFor(3, { min: 1, max: 3, target: 1, proportion: 1 }), 3);
  });
});

describe('balancer', () => {
  it('chooses the ready address with the fewest requests in flight, first on a tie', () => {
    const n: Record<string, number> = { a: 2, b: 0, c: 1 };
    assert.equal(
      leastLoaded(['a', 'b', 'c'], (x) => n[x] ?? 0),
      'b',
    );
    assert.equal(
      leastLoaded(['a', 'c'], (x) => n[x] ?? 0),
      'c',
    );
    assert.equal(
      leastLoaded([], () => 0),
      undefined,
    );
    assert.equal(
      leastLoaded(['x', 'y'], () => 0),
      'x',
    );
  });

  it('counts in flight per address and never chooses one being drained', async () => {
    const t = new LoadTracker(() => 1000);
    t.begin('ns', 'f', '10.0.0.2');
    t.begin('ns', 'f', '10.0.0.2');
    t.begin('ns', 'f', '10.0.0.3');
    assert.equal(t.choose(['10.0.0.2', '10.0.0.3', '10.0.0.4']), '10.0.0.4');
    assert.deepEqual(t.load('ns', 'f'), { requests: 3, inflight: 3, lastActive: 1000, waiting: 0 });
    const drained = t.drain('10.0.0.3', 60_000);
    assert.equal(t.choose(['10.0.0.2', '10.0.0.3']), '10.0.0.2', 'a draining replica is not chosen');
    t.end('ns', 'f', '10.0.0.3');
    assert.equal(await drained, 0, 'the drain ends with its last request');
    t.retired('10.0.0.3');
    assert.equal(t.choose(['10.0.0.3']), '10.0.0.3', 'a retired address starts clean for a new container');
  });

  it('replicas with equal load take turns', () => {
    const t = new LoadTracker();
    const seen = new Set([0, 1, 2, 3, 4, 5].map(() => t.choose(['a', 'b', 'c'])));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
  });

  it('a drain that times out says how many requests were still running', async () => {
    const t = new LoadTracker();
    t.begin('ns', 'f', 'a');
    assert.equal(await t.drain('a', 1), 1);
  });
});

describe('stabiliser', () => {
  it('scales up at once and down only after a whole window at the lower count', () => {
    const s = new Stabiliser(10_000);
    assert.deepEqual(s.decide('f', 0, 1, 3), { replicas: 3, direction: 'up' });
    assert.deepEqual(s.decide('f', 2_000, 3, 1), { replicas: 3, direction: 'hold' });
    assert.deepEqual(s.decide('f', 9_000, 3, 1), { replicas: 3, direction: 'hold' });
    // 10.5 s: the advice of 0 s (3) has left the window; all advice since asks for 1.
    assert.deepEqual(s.decide('f', 10_500, 3, 1), { replicas: 1, direction: 'down' });
  });

  it('a short lull inside the window changes nothing', () => {
    const s = new Stabiliser(10_000);
    s.decide('f', 0, 2, 2);
    s.decide('f', 11_000, 2, 2);
    assert.deepEqual(s.decide('f', 12_000, 2, 1), { replicas: 2, direction: 'hold' });
    assert.deepEqual(s.decide('f', 20_000, 2, 1), { replicas: 2, direction: 'hold' });
    assert.deepEqual(s.decide('f', 21_500, 2, 1), { replicas: 1, direction: 'down' });
  });
});

describe('scale metrics', () => {
  it('renders the replicas gauge and decisions, and drops functions that are gone', () => {
    const m = new ScaleMetrics();
    m.setReplicas(new Map([['f.ns', 1]]));
    m.decided('f.ns', 'up', 3);
    // The decision shows at once, not only after the next tick's setReplicas.
    assert.match(m.render(), /^gateway_service_count\{function_name="f.ns"\} 3$/m);
    assert.match(m.render(), /^faasd_autoscaler_decisions_total\{function_name="f.ns",direction="up"\} 1$/m);
    m.setReplicas(new Map());
    assert.doesNotMatch(m.render(), /f\.ns/);
  });
});
