// 20 functions x 3 replicas (com.openfaas.scale.min=3) deployed at once, the compiled test function:
// seconds until every replica answers on its own address (read from the network's records, inside our
// own bridge), then the memory of every faasd-ts process, and whether `faasd net ls` lists them all.
import { runFaasd } from '../test/helpers/faasd-process.js';
import { pollUntil } from '../test/helpers/wait.js';
import { networkFromConfig } from '../src/network/index.js';
import type { FaasdConfig } from '../src/config/index.js';
import { slotId } from '../src/provider/instances.js';
import { IMAGES } from './scale-images.js';
import type { ScaleApi } from './scale-api.js';

export const BATCH_FUNCTIONS = 20;
export const BATCH_REPLICAS = 3;

export interface BatchResult {
  /** All deploys sent -> every replica's own address answers 200. */
  allAnswerS: number;
  /** All deploys sent -> every deploy call answered. */
  deployedS: number;
  replicasAnswering: number;
}

export const batchNames = () => Array.from({ length: BATCH_FUNCTIONS }, (_, i) => `batch${i}`);

/** The replica container IDs of `name` (NAME, NAME.1, ...), as the provider names slots. */
export const replicaIds = (name: string) => Array.from({ length: BATCH_REPLICAS }, (_, i) => slotId(name, i));

async function answers(ip: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${ip}:8080/`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function benchBatch(api: ScaleApi, config: FaasdConfig): Promise<BatchResult> {
  const names = batchNames();
  const network = networkFromConfig(config);
  const t0 = performance.now();
  const deploys = Promise.all(
    names.map((service) =>
      api.deploy({
        service,
        image: IMAGES.compiled,
        labels: { 'com.openfaas.scale.min': String(BATCH_REPLICAS) },
      }),
    ),
  ).then(() => performance.now() - t0);
  deploys.catch(() => undefined);
  const answering = new Set<string>();
  const want = names.flatMap(replicaIds);
  await pollUntil(
    `all ${want.length} replicas to answer`,
    async () => {
      const ips = new Map(
        (await network.records(config.functionNamespace)).flatMap((r) =>
          r.ip ? [[r.id, r.ip] as const] : [],
        ),
      );
      await Promise.all(
        want
          .filter((id) => !answering.has(id))
          .map(async (id) => {
            const ip = ips.get(id);
            if (ip && (await answers(ip))) answering.add(id);
          }),
      );
      return answering.size === want.length ? true : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 50 },
  );
  const allAnswerMs = performance.now() - t0;
  return {
    allAnswerS: Number((allAnswerMs / 1000).toFixed(1)),
    deployedS: Number(((await deploys) / 1000).toFixed(1)),
    replicasAnswering: answering.size,
  };
}

export async function removeBatch(api: ScaleApi): Promise<void> {
  await Promise.all(batchNames().map((n) => api.remove(n)));
}

/**
 * `faasd net ls --json` as a user runs it (the built bundle, the stack's environment): how many of the
 * batch's replicas it lists, each with an address.
 */
export async function netLsReplicas(env: Record<string, string>, namespace: string): Promise<number> {
  const p = runFaasd(['net', 'ls', '--namespace', namespace, '--json'], env, { bundle: true });
  const code = await p.exited;
  const text = p.output();
  if (code !== 0) throw new Error(`faasd net ls exited ${code}: ${text.slice(-500)}`);
  const records = JSON.parse(text.slice(text.indexOf('['))) as { id: string; ip?: string }[];
  const want = new Set(batchNames().flatMap(replicaIds));
  return records.filter((r) => want.has(r.id) && r.ip).length;
}
