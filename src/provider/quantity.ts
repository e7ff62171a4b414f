import { InvalidArgumentError } from '../errors.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

/** Below this runc cannot start a container with its own init (and the kernel's minimum is near it). */
export const MIN_MEMORY_BYTES = 4 * 2 ** 20;
/**
 * A sanity bound, far above any host faasd runs on: a limit above the host's memory limits nothing, and
 * past 2^53 the byte count is not even exact in a JS number (`99999999999999Ti` was a 500 from runc).
 */
export const MAX_MEMORY_BYTES = 4 * 2 ** 40;
/**
 * A sanity bound (the largest Linux hosts have a few hundred cores). The CFS quota is cores x 100 ms, and
 * the kernel refuses quotas past ~2^44 us, so `1000000000` cores was a 500 from runc.
 */
export const MAX_CPU_CORES = 1024;

/** A Kubernetes memory quantity ("128Mi", "1G", "512000") in bytes, between 4Mi and 4Ti. */
export function parseMemory(field: string, q: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kKMGTm]?)$/.exec(q.trim());
  const mult = m ? (BINARY[m[2] ?? ''] ?? DECIMAL[m[2] ?? '']) : undefined;
  if (!m || mult === undefined)
    throw new InvalidArgumentError(
      field,
      `${field} ${JSON.stringify(q)} is not a memory quantity like 128Mi or 1G`,
    );
  const bytes = Math.floor(Number(m[1]) * mult);
  if (bytes < MIN_MEMORY_BYTES)
    throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} is below 4Mi`);
  if (bytes > MAX_MEMORY_BYTES)
    throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} is above 4Ti`);
  return bytes;
}

/** A Kubernetes CPU quantity ("500m", "1", "0.25") in cores, above 0 and at most 1024. */
export function parseCpu(field: string, q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m)
    throw new InvalidArgumentError(
      field,
      `${field} ${JSON.stringify(q)} is not a CPU quantity like 500m or 1`,
    );
  const cores = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  if (cores <= 0) throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} must be above 0`);
  if (cores > MAX_CPU_CORES)
    throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} is above ${MAX_CPU_CORES} cores`);
  return cores;
}
