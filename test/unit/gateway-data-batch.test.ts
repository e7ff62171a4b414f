import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataObservations, applyBatch, type DataSink } from '../../src/gateway/data-batch.js';
import type { SeriesDelta } from '../../src/http/index.js';

/** The main thread's side of a batch, recording what it is told. */
class RecordingSink implements DataSink {
  readonly merged: SeriesDelta[] = [];
  readonly calls: string[] = [];
  readonly refusals: string[] = [];
  merge(metrics: SeriesDelta[]): void {
    this.merged.push(...metrics);
  }
  readonly load = {
    begin: (namespace: string, name: string, address: string) =>
      this.calls.push(`begin ${namespace}/${name}@${address}`),
    end: (namespace: string, name: string, address: string) =>
      this.calls.push(`end ${namespace}/${name}@${address}`),
  };
  refused(namespace: string, name: string, address: string): void {
    this.refusals.push(`${namespace}/${name}@${address}`);
  }
}

test('a batch carries counts, load per replica and refusals; nothing happened: no batch', () => {
  const seen = new DataObservations();
  assert.equal(seen.take(), undefined);
  seen.begin('ns', 'a', '10.0.0.2');
  seen.begin('ns', 'a', '10.0.0.2');
  seen.end('ns', 'a', '10.0.0.2');
  seen.observe('a.ns', 200, 0.002);
  seen.refusedAt('ns', 'b', '10.0.0.9');
  const batch = seen.take();
  assert.ok(batch);
  assert.deepEqual(batch.load, [{ namespace: 'ns', name: 'a', address: '10.0.0.2', begun: 2, ended: 1 }]);
  assert.equal(batch.metrics.length, 1);
  assert.equal(batch.metrics[0]?.count, 1);
  assert.equal(seen.take(), undefined, 'taken: the next batch starts empty');

  const sink = new RecordingSink();
  applyBatch(batch, sink);
  assert.deepEqual(sink.calls, ['begin ns/a@10.0.0.2', 'begin ns/a@10.0.0.2', 'end ns/a@10.0.0.2']);
  assert.deepEqual(sink.refusals, ['ns/b@10.0.0.9']);
  assert.equal(sink.merged[0]?.fn, 'a.ns');
});

test('refusals in one batch are bounded', () => {
  const seen = new DataObservations();
  for (let i = 0; i < 1000; i++) seen.refusedAt('ns', 'a', `10.0.${i >> 8}.${i & 255}`);
  assert.equal(seen.take()?.refused.length, 256);
});
