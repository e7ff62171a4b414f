import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { netnsExists, netnsName, netnsPath } from '../../src/network/netns.js';

/**
 * `faasd up` reconciles its network while the provider (in the same daemon, or a split one) may be
 * creating a function: attached or pending, its container not made yet. Judged by the supervisor, such
 * an attachment was removed under the create.
 */
describe('network reconcile limited to some namespaces', { skip: needsRoot }, () => {
  let net: TestNetwork;
  before(async () => {
    net = await testNetwork('scope');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('removes only the named namespaces’ attachments; a function’s attached and pending ones stay', async () => {
    const core = net.options.coreNamespace;
    const fn = `${core}-fn`;
    await net.network.attach(core, 'gone');
    await net.network.attach(fn, 'deploying');
    // An ADD in progress in another process: its record is stored before the plugins run.
    await net.network.store.update((rs) => [
      ...rs,
      {
        namespace: fn,
        id: 'adding',
        netns: netnsPath(netnsName(fn, 'adding')),
        containerId: netnsName(fn, 'adding'),
        ifname: 'eth0',
        state: 'pending',
        createdAt: new Date().toISOString(),
      },
    ]);

    // No container exists for any of them.
    const removed = await net.network.reconcile(async () => false, [core]);

    assert.ok(removed.includes(`${core}/gone`), removed.join('\n'));
    assert.deepEqual((await net.network.records()).map((r) => `${r.namespace}/${r.id} ${r.state}`).sort(), [
      `${fn}/adding pending`,
      `${fn}/deploying attached`,
    ]);
    assert.ok(await netnsExists(netnsName(fn, 'deploying')));
    assert.equal(await netnsExists(netnsName(core, 'gone')), false);
  });
});
