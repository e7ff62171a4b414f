import { InvalidArgumentError } from '../errors.js';

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };

/** A Kubernetes memory quantity ("128Mi", "1G", "512000") in bytes. */
export function parseMemory(field: string, q: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i|[kKMGTm]?)$/.exec(q.trim());
  const mult = m ? (BINARY[m[2] ?? ''] ?? DECIMAL[m[2] ?? '']) : undefined;
  if (!m || mult === undefined)
    throw new InvalidArgumentError(
      field,
      `${field} ${JSON.stringify(q)} is not a memory quantity like 128Mi or 1G`,
    );
  const bytes = Math.floor(Number(m[1]) * mult);
  if (bytes < 4 * 2 ** 20)
    throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} is below 4Mi`);
  return bytes;
}

/** A Kubernetes CPU quantity ("500m", "1", "0.25") in cores. */
export function parseCpu(field: string, q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(q.trim());
  if (!m)
    throw new InvalidArgumentError(
      field,
      `${field} ${JSON.stringify(q)} is not a CPU quantity like 500m or 1`,
    );
  const cores = Number(m[1]) / (m[2] === 'm' ? 1000 : 1);
  if (cores <= 0) throw new InvalidArgumentError(field, `${field} ${JSON.stringify(q)} must be above 0`);
  return cores;
}
