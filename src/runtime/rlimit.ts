import { readFile } from 'node:fs/promises';
import { NOFILE_LIMIT } from '../containerd/index.js';

const CAP_SYS_RESOURCE = 24n;

/**
 * RLIMIT_NOFILE for containers: Docker's 1048576, unless this host cannot raise a hard limit. Without
 * CAP_SYS_RESOURCE (a faasd that itself runs in a container that lacks it) runc fails every task create
 * with "error setting rlimit type 7: operation not permitted"; then the hard limit we were given is the
 * most a container can have. Pure: the texts of /proc/self/status and /proc/self/limits.
 */
export function nofileLimit(procStatus: string, procLimits: string): number {
  const capEff = /^CapEff:\s*([0-9a-f]+)$/im.exec(procStatus)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) >> CAP_SYS_RESOURCE) & 1n) return NOFILE_LIMIT;
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(procLimits)?.[1];
  if (hard === undefined || hard === 'unlimited') return NOFILE_LIMIT;
  const n = Number(hard);
  return Number.isSafeInteger(n) && n > 0 ? Math.min(n, NOFILE_LIMIT) : NOFILE_LIMIT;
}

export async function hostNofileLimit(): Promise<number> {
  const [status, limits] = await Promise.all([
    readFile('/proc/self/status', 'utf8').catch(() => ''),
    readFile('/proc/self/limits', 'utf8').catch(() => ''),
  ]);
  return nofileLimit(status, limits);
}
