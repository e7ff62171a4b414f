// Pull + unpack of a ~50 MB image from a local registry: ours vs `ctr images pull`, each into a fresh
// containerd root, as a ratio (target <= 1.2).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { startContainerd } from '../test/helpers/containerd.js';
import { startRegistry } from '../test/helpers/registry.js';
import { exportImages, packImage, pullImage, RegistryClient } from '../src/image/index.js';
import { median, timed, type BenchResult } from './stats.js';

export async function benchPull(rounds = 7): Promise<BenchResult[]> {
  const work = await mkdtemp('/tmp/faasd-bench-pull-');
  const reg = await startRegistry();
  try {
    const blob = join(work, 'blob');
    await writeFile(blob, randomBytes(48 * 1024 * 1024));
    const src = await startContainerd('bench-src');
    try {
      await packImage(src.client, {
        name: 'bench.local/big:1',
        binaries: [{ hostPath: '/bin/busybox' }],
        paths: [{ hostPath: blob, imagePath: '/data/blob' }],
        cmd: ['/bin/busybox', 'true'],
      });
      await exportImages(src.client, ['bench.local/big:1'], join(work, 'big.tar'));
    } finally {
      await src.stop();
    }
    const ref = `${reg.host}/bench/big:1`;
    await execa('skopeo', [
      'copy',
      '--dest-tls-verify=false',
      `oci-archive:${join(work, 'big.tar')}`,
      `docker://${ref}`,
    ]);

    const ours: number[] = [];
    const ctr: number[] = [];
    const pullOurs = async () => {
      const a = await startContainerd('bench-ours');
      try {
        await execa('sync'); // the previous round's dirty pages are not this round's cost
        const [ms] = await timed(() => pullImage(a.client.inNamespace('bench'), new RegistryClient(), ref));
        ours.push(ms);
      } finally {
        await a.stop();
      }
    };
    const pullCtr = async () => {
      const b = await startContainerd('bench-ctr');
      try {
        await execa('sync');
        const [ms] = await timed(() =>
          execa('ctr', ['--address', b.address, '-n', 'bench', 'images', 'pull', '--plain-http', ref]),
        );
        ctr.push(ms);
      } finally {
        await b.stop();
      }
    };
    // Alternate who goes first, so neither always follows the other's disk writes.
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        await pullOurs();
        await pullCtr();
      } else {
        await pullCtr();
        await pullOurs();
      }
    }
    // Each round pulls both back to back, so the two share the machine's load of that moment: the
    // median of the rounds' own ratios holds up on a busy machine where a ratio of medians swings.
    const ratios = ours.map((o, i) => o / (ctr[i] ?? o));
    const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    return [
      { name: 'pull+unpack 50 MB image (faasd-ts)', value: Math.round(median(ours)), unit: 'ms' },
      { name: 'pull+unpack 50 MB image (ctr images pull)', value: Math.round(median(ctr)), unit: 'ms' },
      {
        name: 'pull ratio ours/ctr (median of the rounds)',
        value: Number(median(ratios).toFixed(2)),
        unit: 'x',
        reference: 'target <= 1.2',
        note:
          `rounds' ratios ${spread}; ratio of the medians ${(median(ours) / median(ctr)).toFixed(2)}; ` +
          `rounds (ms): ours ${ours.map(Math.round).join(' ')}; ctr ${ctr.map(Math.round).join(' ')}`,
      },
    ];
  } finally {
    await reg.stop();
    await rm(work, { recursive: true, force: true });
  }
}
