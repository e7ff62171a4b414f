import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { ensureBridge } from '../../src/network/index.js';

/**
 * A bridge whose MAC was never set follows the lowest MAC of its ports: when one container's veth
 * leaves (a failed update's new replica removed), the gateway's MAC that every other container cached
 * stops answering and their replies to the host vanish for about a minute (seen as one invocation
 * hanging for the upstream timeout in provider-lifecycle's failed-update test).
 */
describe('the bridge keeps its MAC while containers come and go', { skip: needsRoot }, () => {
  let net: TestNetwork;
  const mac = async () => (await readFile(`/sys/class/net/${net.options.bridge}/address`, 'utf8')).trim();
  before(async () => {
    net = await testNetwork('brmac');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('the same address after the first attach, after more attach, and after the first detaches', async () => {
    const ns = net.options.coreNamespace;
    // As the provider starts: the bridge made before any container (the plugin's own bridges have a set
    // address already; one made by `ip link add` does not).
    await ensureBridge(net.options.bridge, net.network.gateway, net.network.prefix);
    await net.network.attach(ns, 'first');
    const seen = [await mac()];
    for (const id of ['b', 'c', 'd']) {
      await net.network.attach(ns, id);
      seen.push(await mac());
    }
    // Without a fixed address, the bridge now takes the lowest MAC of b, c and d: never the first's.
    await net.network.detach(ns, 'first');
    seen.push(await mac());
    await net.network.detach(ns, 'b');
    seen.push(await mac());
    assert.deepEqual(
      seen,
      seen.map(() => seen[0]),
      seen.join(' '),
    );
  });
});
