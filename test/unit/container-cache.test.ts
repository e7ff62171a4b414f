import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerRecord } from '../../src/containerd/index.js';
import { ContainerCache } from '../../src/provider/container-cache.js';
import { ChangeGuard } from '../../src/provider/changes.js';
import { ManualClock } from '../helpers/manual-clock.js';

/** containerd's List as the cache sees it: counts calls; `hold` keeps the next answers until released. */
class FakeLister {
  calls = 0;
  ids = ['a'];
  private gate: Promise<void> | undefined;
  hold(): () => void {
    let release = () => {};
    this.gate = new Promise<void>((r) => (release = r));
    return release;
  }
  list = async (_namespace: string): Promise<ContainerRecord[]> => {
    this.calls++;
    const answer = this.ids.map((id) => ({ id, labels: {} }) as unknown as ContainerRecord);
    if (this.gate) await this.gate;
    return answer;
  };
}

function cache(lister: FakeLister, clock: ManualClock): ContainerCache {
  return new ContainerCache(lister.list, 1000, () => clock.now());
}

const ids = (rs: readonly ContainerRecord[]) => rs.map((r) => r.id);

describe('ContainerCache: the function containers listed once per change', () => {
  it('lists once for many reads, and again after maxAgeMs', async () => {
    const l = new FakeLister();
    const clock = new ManualClock();
    const c = cache(l, clock);
    for (let i = 0; i < 5; i++) assert.deepEqual(ids(await c.list('fn')), ['a']);
    assert.equal(l.calls, 1);
    l.ids = ['a', 'b'];
    clock.advance(1000);
    assert.deepEqual(ids(await c.list('fn')), ['a', 'b']);
    assert.equal(l.calls, 2);
  });

  it('keeps namespaces apart', async () => {
    const l = new FakeLister();
    const c = cache(l, new ManualClock());
    await c.list('one');
    await c.list('two');
    await c.list('one');
    assert.equal(l.calls, 2);
  });

  it('every change through the guard is seen at once, before and after it', async () => {
    const l = new FakeLister();
    const c = cache(l, new ManualClock());
    const guard = new ChangeGuard(c);
    await c.list('fn');
    await guard.change('fn', 'b', 'deploy', async () => {
      l.ids = ['a', 'b'];
      // Read while the change runs: listed, not kept.
      assert.deepEqual(ids(await c.list('fn')), ['a', 'b']);
      l.ids = ['a', 'b', 'b.1'];
      assert.deepEqual(ids(await c.list('fn')), ['a', 'b', 'b.1']);
    });
    assert.deepEqual(ids(await c.list('fn')), ['a', 'b', 'b.1']);
    const calls = l.calls;
    await c.list('fn');
    assert.equal(l.calls, calls, 'kept again once no change runs');
  });

  it('does not keep a List that began before a change', async () => {
    const l = new FakeLister();
    const c = cache(l, new ManualClock());
    const release = l.hold();
    const early = c.list('fn'); // answers ['a'], as containerd saw it before the change
    c.begin('fn');
    l.ids = ['a', 'b'];
    c.end('fn');
    release();
    assert.deepEqual(ids(await early), ['a']);
    assert.deepEqual(ids(await c.list('fn')), ['a', 'b']);
  });

  it('peek answers only what is kept and fresh, never during a change', async () => {
    const l = new FakeLister();
    const clock = new ManualClock();
    const c = cache(l, clock);
    assert.equal(c.peek('fn'), undefined);
    await c.list('fn');
    assert.deepEqual(ids(c.peek('fn') ?? []), ['a']);
    c.begin('fn');
    assert.equal(c.peek('fn'), undefined);
    await c.list('fn');
    assert.equal(c.peek('fn'), undefined, 'a List during a change is not kept');
    c.end('fn');
    await c.list('fn');
    clock.advance(1000);
    assert.equal(c.peek('fn'), undefined, 'older than maxAgeMs');
  });
});
