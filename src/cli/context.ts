import type { Containerd } from '../containerd/index.js';
import { resolveConfig, type FaasdConfig } from '../config/index.js';
import { withHost } from '../host/index.js';
import { createLogger } from '../log.js';

export interface GlobalFlags {
  address?: string;
  namespace?: string;
  stateDir?: string;
}

export function configFrom(flags: GlobalFlags): FaasdConfig {
  return resolveConfig({
    address: flags.address,
    namespace: flags.namespace,
    stateDir: flags.stateDir,
  } as Partial<FaasdConfig>);
}

/** One-shot commands log (rarely) as `faasd`. */
export const cliLog = createLogger('faasd');

/** Connects to containerd for one command and closes the connection after it. */
export async function withContainerd<T>(cfg: FaasdConfig, fn: (ctd: Containerd) => Promise<T>): Promise<T> {
  return withHost(cfg, cliLog, (host) => fn(host.containerd));
}
