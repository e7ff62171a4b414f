import type { FaasdConfig } from '../config/index.js';
import { cniIpamDataDir } from '../config/index.js';
import { CniNetwork } from './network.js';
import { parseDnsServers } from './dns.js';
import { poolNamespace } from './netns-pool.js';

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
    // The pool's records' namespace starts with the function namespace's: owned too.
    ownedNamespaces: [cfg.namespace, cfg.functionNamespace],
    poolNamespace: poolNamespace(cfg.functionNamespace),
    dns: parseDnsServers('dns', cfg.dns),
  });
}
