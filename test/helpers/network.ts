import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { CniNetwork } from '../../src/network/index.js';
import { type NetworkOptions } from '../../src/network/network.js';

export interface TestNetwork {
  options: NetworkOptions;
  network: CniNetwork;
  cleanup(): Promise<void>;
}

/**
 * A test-only network: its own bridge name, a /24 in 10.200.0.0/16 picked at random, its own state dir.
 * `cleanup` detaches whatever is left and removes the bridge and its localnet guard (portmap's shared CNI-HOSTPORT-* chains stay, by design).
 */
export async function testNetwork(tag: string): Promise<TestNetwork> {
  const suffix = randomBytes(2).toString('hex');
  const stateDir = await mkdtemp(`/tmp/faasd-test-net-${tag}-`);
  const octet = randomBytes(1)[0] ?? 1;
  const options: NetworkOptions = {
    name: `faasd-test-${tag}-${suffix}`,
    bridge: `ftest${suffix}`,
    subnet: `10.200.${octet}.0/24`,
    ipamDataDir: `${stateDir}/cni`,
    cniBinDirs: ['/usr/lib/cni', '/opt/cni/bin'],
    stateDir,
    coreNamespace: `t${suffix}`,
    ownedNamespaces: [`t${suffix}`],
  };
  const network = new CniNetwork(options);
  await network.prepareFiles();
  return {
    options,
    network,
    async cleanup() {
      for (const r of await network.records()) await network.detach(r.namespace, r.id).catch(() => undefined);
      await network.reconcile(async () => false).catch(() => undefined);
      await network.removeBridge();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
