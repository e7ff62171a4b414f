import { join } from 'node:path';
import type { FaasdConfig } from '../src/config/index.js';
import { storeRecords } from './chaos-host.js';

/** The sum of every `num_pending` and `num_ack_pending` in a NATS /jsz answer (its consumers). */
export function pendingOf(jsz: unknown): number {
  if (Array.isArray(jsz)) return jsz.reduce((s: number, x) => s + pendingOf(x), 0);
  if (typeof jsz !== 'object' || jsz === null) return 0;
  let n = 0;
  for (const [k, v] of Object.entries(jsz)) {
    if ((k === 'num_pending' || k === 'num_ack_pending') && typeof v === 'number') n += v;
    else if (typeof v === 'object') n += pendingOf(v);
  }
  return n;
}

/**
 * Async invocations still queued: read from the stack's own NATS container (its monitoring port, on
 * our bridge), found by its record in the network store. Undefined when it cannot be read.
 */
export async function queuedInvocations(config: FaasdConfig): Promise<number | undefined> {
  const records = await storeRecords(join(config.stateDir, 'network', 'ipam.json'));
  const nats = records.find((r) => r.namespace === config.namespace && r.id === 'nats');
  if (!nats?.ip) return undefined;
  try {
    const res = await fetch(`http://${nats.ip}:8222/jsz?accounts=true&streams=true&consumers=true`, {
      signal: AbortSignal.timeout(5000),
    });
    return res.ok ? pendingOf(await res.json()) : undefined;
  } catch {
    return undefined;
  }
}
