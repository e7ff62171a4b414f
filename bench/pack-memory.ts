// What packing a Prometheus-sized image from host files leaves in the packing process (#12): PSS/RSS and
// node's own accounting before, after a first pack (the layer written) and after a second pack (the
// digest found: nothing written), with the time each took. No GC is forced: an idle daemon runs none,
// so what a pack leaves behind is what `faasd up` keeps until its first restart.
// Usage (root; a private containerd): node [--expose-gc] --import tsx bench/pack-memory.ts [MB=50]
import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { startContainerd } from '../test/helpers/containerd.js';
import { packImage } from '../src/image/index.js';
import { parseSmapsRollup } from './memory.js';
import { smapsByMapping } from './smaps.js';

interface Sample {
  step: string;
  ms: number;
  pssMb: number;
  rssMb: number;
  /** Anonymous memory, and of it malloc's main heap (`[heap]`): what buffers freed to malloc keep. */
  anonMb: number;
  mallocHeapMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

const mb = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

async function sample(step: string, ms: number): Promise<Sample> {
  const { pssKb, rssKb } = parseSmapsRollup(await readFile('/proc/self/smaps_rollup', 'utf8'));
  const m = process.memoryUsage();
  const smaps = await smapsByMapping(process.pid);
  return {
    step,
    ms: Math.round(ms),
    pssMb: Math.round(pssKb / 102.4) / 10,
    rssMb: Math.round(rssKb / 102.4) / 10,
    anonMb: smaps.total.anonMb,
    mallocHeapMb: smaps.rows.find((r) => r.name === '[heap]')?.anonMb ?? 0,
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  };
}

/**
 * A host file of `size` MB of random bytes (random, so nothing downstream can shortcut it), written
 * through one reused buffer so making it leaves no garbage in the process being measured.
 */
async function bigFile(path: string, size: number): Promise<void> {
  const f = await open(path, 'w', 0o755);
  const chunk = Buffer.allocUnsafeSlow(1 << 20);
  try {
    for (let i = 0; i < size; i++) await f.write(randomFillSync(chunk));
  } finally {
    await f.close();
  }
}

async function main(): Promise<void> {
  const size = Number(process.argv[2] ?? 50);
  const ctd = await startContainerd('pack-memory');
  const dir = await mkdtemp('/tmp/faasd-pack-memory-');
  try {
    const file = join(dir, 'prometheus');
    await bigFile(file, size);
    const spec = {
      name: 'faasd.local/pack-memory:bench',
      paths: [{ hostPath: file, imagePath: '/bin/prometheus' }],
      dirs: [{ imagePath: '/tmp' }],
      files: [{ imagePath: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' }],
    };
    await ctd.client.version();
    const rows = [await sample('connected', 0)];
    for (const step of ['first pack (writes the layer)', 'second pack (layer present)']) {
      const t0 = performance.now();
      await packImage(ctd.client, spec);
      rows.push(await sample(step, performance.now() - t0));
    }
    // With --expose-gc: what stays once garbage is collected (what a full GC, which idle never runs, frees).
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      rows.push(await sample('after a full GC (--expose-gc)', 0));
    }
    console.log(`packing a ${size} MB host file, pid ${process.pid}, ${new Date().toISOString()}`);
    console.table(rows);
  } finally {
    await ctd.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
