import { Containerd } from '../containerd/index.js';
import { resolveConfig, type FaasdConfig } from '../config/index.js';

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

/** Connects to containerd for one command and closes the connection after it. */
export async function withContainerd<T>(cfg: FaasdConfig, fn: (ctd: Containerd) => Promise<T>): Promise<T> {
  const ctd = Containerd.connect(cfg.address, cfg.namespace);
  try {
    await ctd.waitReady(5_000);
    return await fn(ctd);
  } finally {
    ctd.close();
  }
}
