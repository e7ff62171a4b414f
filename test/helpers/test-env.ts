import { randomBytes } from 'node:crypto';
import type { TestContainerd } from './containerd.js';

/**
 * faasd's environment for one test: the private containerd, and namespaces, bridge and a /24 subnet of
 * its own (`subnetBase` e.g. "10.202"), so a real stack on the host is never touched.
 */
export function isolatedEnv(
  ctd: TestContainerd,
  o: { stateDir: string; providerDir: string; bridgePrefix: string; subnetBase: string },
): Record<string, string> {
  const t = randomBytes(2).toString('hex');
  return {
    FAASD_CONTAINERD_ADDRESS: ctd.address,
    FAASD_NAMESPACE: `core${t}`,
    FAASD_FUNCTION_NAMESPACE: `fn${t}`,
    FAASD_STATE_DIR: o.stateDir,
    FAASD_PROVIDER_DIR: o.providerDir,
    FAASD_BRIDGE: `${o.bridgePrefix}${t}`,
    FAASD_SUBNET: `${o.subnetBase}.${randomBytes(1)[0] ?? 1}.0/24`,
    FAASD_CNI_PATH: '/usr/lib/cni:/opt/cni/bin',
  };
}
