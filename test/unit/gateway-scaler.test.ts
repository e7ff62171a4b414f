import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Scaler } from '../../src/gateway/index.js';
import type { FunctionBackend } from '../../src/gateway/backend.js';
import type { Availability } from '../../src/provider/index.js';

/** A provider whose availability answers only when the test opens the gate; counts looks and scales. */
class GatedProvider implements Pick<FunctionBackend, 'availability' | 'scale'> {
  describes = 0;
  scales: number[] = [];
  replicas = 1;
  private open: () => void = () => {};
  private gate = new Promise<void>((resolve) => (this.open = resolve));

  release(): void {
    this.open();
  }

  async availability(): Promise<Availability> {
    this.describes++;
    await this.gate;
    return { replicas: this.replicas, available: this.replicas };
  }

  async scale(_name: string, _namespace: string, replicas: number): Promise<void> {
    this.scales.push(replicas);
    this.replicas = replicas;
  }
}

describe('Scaler (scale from zero before an invocation)', () => {
  it('callers that find the cache expired together share one describe', async () => {
    const provider = new GatedProvider();
    const scaler = new Scaler(provider, { cacheMs: 60_000, timeoutMs: 5000, pollMs: 10 });
    assert.equal(scaler.isReady('fn', 'ns'), false);
    const calls = Array.from({ length: 8 }, () => scaler.ensureReady('fn', 'ns'));
    provider.release();
    await Promise.all(calls);
    assert.equal(provider.describes, 1);
    assert.equal(scaler.isReady('fn', 'ns'), true);
    await scaler.ensureReady('fn', 'ns');
    assert.equal(provider.describes, 1, 'answered from the cache');
  });

  it('scales a function at zero to one, once for every waiting caller', async () => {
    const provider = new GatedProvider();
    provider.replicas = 0;
    const scaler = new Scaler(provider, { cacheMs: 60_000, timeoutMs: 5000, pollMs: 10 });
    const calls = Array.from({ length: 4 }, () => scaler.ensureReady('fn', 'ns'));
    provider.release();
    await Promise.all(calls);
    assert.deepEqual(provider.scales, [1]);
    assert.equal(scaler.isReady('fn', 'ns'), true);
    scaler.invalidate('fn', 'ns');
    assert.equal(scaler.isReady('fn', 'ns'), false);
  });
});
