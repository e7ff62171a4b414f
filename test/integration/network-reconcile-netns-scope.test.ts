import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { createNetns, deleteNetns, netnsExists, netnsName } from '../../src/network/netns.js';
import { poolNamespace } from '../../src/network/index.js';

/**
 * `faasd up` starts its core beside the provider's reconcile (issue #16). An attach makes its netns
 * beside its pending record, so for a moment a netns exists that no record names: a reconcile of
 * another namespace must leave it alone; only a reconcile of its own namespace judges it.
 */
describe('network reconcile leaves the netns of other namespaces alone', { skip: needsRoot }, () => {
  let net: TestNetwork;
  let netns: string;
  let pooled: string;
  before(async () => {
    net = await testNetwork('nsscope');
  });
  after(async () => {
    await deleteNetns(netns).catch(() => undefined);
    await deleteNetns(pooled).catch(() => undefined);
    await net?.cleanup();
  });

  it('keeps a record-less netns of a namespace it does not judge, removes it when it does', async () => {
    const core = net.options.coreNamespace;
    const fn = `${core}-fn`;
    // Made as an attach under way makes it: the netns exists, its pending record is not written yet.
    netns = netnsName(fn, 'attaching');
    await createNetns(netns);

    const byCore = await net.network.reconcile(async () => false, [core]);
    assert.ok(!byCore.includes(`netns ${netns}`), byCore.join('\n'));
    assert.ok(await netnsExists(netns), 'a reconcile of the core namespace removed a function netns');

    const byFn = await net.network.reconcile(async () => false, [fn]);
    assert.ok(byFn.includes(`netns ${netns}`), byFn.join('\n'));
    assert.equal(await netnsExists(netns), false);
  });

  it("judges a function namespace's netns pool with it: an entry's netns no record names is removed", async () => {
    const core = net.options.coreNamespace;
    const fn = `${core}-fn`;
    // A pool ADD under way when its process was killed: the netns made, the record never written.
    pooled = netnsName(poolNamespace(fn), 'p1');
    await createNetns(pooled);

    const byCore = await net.network.reconcile(async () => false, [core]);
    assert.ok(!byCore.includes(`netns ${pooled}`), byCore.join('\n'));
    assert.ok(await netnsExists(pooled));

    const byFn = await net.network.reconcile(async () => false, [fn]);
    assert.ok(byFn.includes(`netns ${pooled}`), byFn.join('\n'));
    assert.equal(await netnsExists(pooled), false);
  });
});
