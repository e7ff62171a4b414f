// What each running container costs the platform in runc shims and log handling (issue #16 item 1):
// PSS of the shims per container with one shim each and with groups of K, for N containers, and the
// PSS of the earlier per-container perl logger (run as the shim ran it) for comparison. Root; uses a
// private containerd. Usage: node --expose-gc --import tsx bench/shim-overhead.ts [N...] [--sizes=1,8,16]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ContainerRuntime } from '../src/runtime/index.js';
import { startContainerd } from '../test/helpers/containerd.js';
import { packBusybox } from '../test/helpers/busybox.js';
import { parseSmapsRollup } from './memory.js';

const args = process.argv.slice(2);
const counts = args.filter((a) => /^\d+$/.test(a)).map(Number);
const sizes = (args.find((a) => a.startsWith('--sizes='))?.slice(8) ?? '1,8,16').split(',').map(Number);
const NS = 'bench-shim';

async function pssKb(pid: number): Promise<number> {
  return parseSmapsRollup(await readFile(`/proc/${pid}/smaps_rollup`, 'utf8')).pssKb;
}

async function shimPids(address: string): Promise<number[]> {
  const out = await execa('pgrep', ['-f', `containerd-shim-runc-v2 .*-address ${address}$`], {
    reject: false,
  });
  return out.stdout.split('\n').filter(Boolean).map(Number);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function main(): Promise<void> {
  const ctd = await startContainerd('shim-overhead');
  const work = await mkdtemp('/tmp/faasd-bench-shim-');
  const rows: string[] = [
    '| N | shims (group size) | shim PSS total MB | shim PSS per container MB | collector PSS per container KB |',
  ];
  rows.push('|---|---|---|---|---|');
  try {
    const c = ctd.client.inNamespace(NS);
    await c.namespaces.ensure(NS);
    const image = await packBusybox(c, 'bench/busybox:1');
    for (const n of counts.length ? counts : [1, 10, 50]) {
      for (const size of sizes) {
        const runtime = new ContainerRuntime(ctd.client, {
          logDir: join(work, `logs-${n}-${size}`),
          stopGraceMs: 500,
          ...(size > 1 ? { shimGroups: { size } } : {}),
        });
        gc();
        const before = await pssKb(process.pid);
        const ids = Array.from({ length: n }, (_, i) => `c${i}`);
        for (const id of ids)
          await runtime.run({
            namespace: NS,
            id,
            image: image.name,
            args: ['sh', '-c', 'while true; do echo tick; echo tock >&2; sleep 2; done'],
          });
        await new Promise((r) => setTimeout(r, 3000)); // let every shim and reader settle
        gc();
        const after = await pssKb(process.pid);
        const pids = await shimPids(ctd.address);
        let total = 0;
        for (const p of pids) total += await pssKb(p);
        rows.push(
          `| ${n} | ${pids.length} (${size}) | ${(total / 1024).toFixed(1)} | ${(total / 1024 / n).toFixed(2)} | ${((after - before) / n).toFixed(0)} |`,
        );
        for (const id of ids) await runtime.remove(NS, id);
        await runtime.close();
      }
      rows.push(
        `| ${n} | perl logger (before) | ${(await perlLoggers(work, n)).toFixed(2)} MB per container | | |`,
      );
    }
  } finally {
    await ctd.stop();
    await rm(work, { recursive: true, force: true });
  }
  console.log(rows.join('\n'));
}

/** The earlier binary:// logger, started as the shim started it (fds 3, 4, 5): PSS per process. */
async function perlLoggers(work: string, n: number): Promise<number> {
  const script = join(work, 'faasd-logger');
  const src = await execa('git', ['show', '2d3ee4d:src/runtime/bin/faasd-logger'], { reject: false });
  if (src.exitCode !== 0) return NaN;
  await writeFile(script, src.stdout, { mode: 0o755 });
  const procs: ChildProcess[] = [];
  try {
    for (let i = 0; i < n; i++)
      procs.push(
        spawn('perl', [script, work, '1000000'], {
          stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
          env: { CONTAINER_ID: `perl${i}` },
        }),
      );
    await new Promise((r) => setTimeout(r, 1000));
    let total = 0;
    for (const p of procs) total += await pssKb(p.pid ?? 0);
    return total / 1024 / n;
  } finally {
    for (const p of procs) p.kill('SIGKILL');
  }
}

await main();
