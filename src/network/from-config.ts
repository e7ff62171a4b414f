import type { FaasdConfig } from '../config/index.js';
import { cniIpamDataDir } from '../config/index.js';
import { CniNetwork } from './network.js';
import { parseDnsServers } from './dns.js';

/** The faasd network as configured: one CNI network named `openfaas-cni-bridge` by default. */
export function networkFromConfig(cfg: FaasdConfig, name = 'openfaas-cni-bridge'): CniNetwork {
  return new CniNetwork({
    name,
    bridge: cfg.bridge,
    subnet: cfg.subnet,
    ipamDataDir: cniIpamDataDir(cfg),
    cniBinDirs: cfg.cniBinDirs,
    stateDir: cfg.stateDir,
    coreNamespace: cfg.namespace,
    ownedNamespaces: [cfg.namespace, cfg.functionNamespace],
    dns: parseDnsServers('dns', cfg.dns),
  });
}
