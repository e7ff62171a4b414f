// Where one attach spends its time at N = 0 and with N attachments on the bridge (issue #16): fills a
// test bridge with N netns through the network module (no containers), then times one more attach
// per phase and plugin. Root. Usage: node --import tsx bench/attach-density.ts [N=1000] [samples=5]
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { CniNetwork } from '../src/network/index.js';
import type { NetworkOptions } from '../src/network/network.js';
import { median } from './stats.js';

const n = Number(process.argv[2] ?? 1000);
const samples = Number(process.argv[3] ?? 5);
const CONCURRENCY = 8;

async function inBatches(ids: string[], fn: (id: string) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < ids.length) await fn(ids[next++] ?? '');
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Median ms per phase of `samples` attaches (each detached again), and of their detaches. */
async function probe(net: CniNetwork, ns: string): Promise<Record<string, number>> {
  const laps: Record<string, number[]> = {};
  for (let i = 0; i < samples; i++) {
    await net.attach(ns, `probe${i}`);
    const split = net.takeAttachSplit(ns, `probe${i}`);
    for (const [k, v] of Object.entries({ ...split?.laps, total: split?.total ?? 0 }))
      (laps[k] ??= []).push(v);
    const t0 = performance.now();
    await net.detach(ns, `probe${i}`);
    (laps.detach ??= []).push(performance.now() - t0);
  }
  return Object.fromEntries(Object.entries(laps).map(([k, v]) => [k, Math.round(median(v))]));
}

const suffix = randomBytes(2).toString('hex');
const stateDir = await mkdtemp(`/tmp/faasd-bench-attach-${suffix}-`);
const options: NetworkOptions = {
  name: `faasd-bench-attach-${suffix}`,
  bridge: `fbat${suffix}`,
  subnet: `10.199.${(randomBytes(1)[0] ?? 0) & 0xf8}.0/21`,
  ipamDataDir: `${stateDir}/cni`,
  cniBinDirs: ['/usr/lib/cni', '/opt/cni/bin'],
  stateDir,
  coreNamespace: `b${suffix}`,
  ownedNamespaces: [`b${suffix}`],
};
const net = new CniNetwork(options);
const ns = options.coreNamespace;
const ids = Array.from({ length: n }, (_, i) => `f${i}`);
try {
  await net.prepareFiles();
  const at0 = await probe(net, ns);
  const t0 = performance.now();
  await inBatches(ids, (id) => net.attach(ns, id));
  const fill = performance.now() - t0;
  const atN = await probe(net, ns);
  console.log(`attach split, median of ${samples} (ms); fill of ${n} took ${Math.round(fill)} ms`);
  for (const k of Object.keys({ ...at0, ...atN }))
    console.log(
      `${k.padEnd(10)} N=0 ${String(at0[k] ?? '-').padStart(5)}   N=${n} ${String(atN[k] ?? '-').padStart(5)}`,
    );
} finally {
  await inBatches(ids, (id) => net.detach(ns, id).catch(() => undefined));
  await net.reconcile(async () => false).catch(() => undefined);
  await net.removeBridge();
  await rm(stateDir, { recursive: true, force: true });
}
