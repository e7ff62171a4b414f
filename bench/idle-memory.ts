// The narrow memory bench (issue #12's idle goal): the default stack's one daemon (`faasd up`, the built
// bundle as the units run it) idle after its first start (which packs the core images), after a restart
// (images already there: what bench/stack's idle row measures), then after one function is deployed
// and invoked through the gateway. Prints PSS / RSS / anonymous MB and threads of every faasd-ts process,
// and where the daemon's resident memory lies (smaps). Root only; loopback and our own netns only.
// Usage: node --import tsx bench/idle-memory.ts
import { readFile } from 'node:fs/promises';
import { startContainerd, type TestContainerd } from '../test/helpers/containerd.js';
import { testStack, type TestStack } from '../test/helpers/stack.js';
import { pollUntil } from '../test/helpers/wait.js';
import { faasdProcesses } from './memory.js';
import { packNodeFunction } from './node-function.js';
import { smapsByMapping } from './smaps.js';

const IMAGE = 'bench.local/node-fn:1';

/** utime + stime (clock ticks) of a process, from /proc/PID/stat. */
async function cpuTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

/** Idle: the process used no CPU over one whole second (polled with a deadline). */
async function quiet(pid: number): Promise<void> {
  let last = await cpuTicks(pid);
  await pollUntil(
    `pid ${pid} to be idle`,
    async () => {
      const now = await cpuTicks(pid);
      const idle = now === last;
      last = now;
      return idle ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

async function report(label: string, st: TestStack, ctd: TestContainerd): Promise<void> {
  const pid = st.up?.proc.pid ?? 0;
  await quiet(pid);
  const procs = await faasdProcesses([pid], ctd.client.inNamespace(st.config.namespace));
  process.stdout.write(`\n## ${label}\n`);
  for (const p of procs) {
    const m = await smapsByMapping(p.pid);
    const status = await readFile(`/proc/${p.pid}/status`, 'utf8');
    const threads = /^Threads:\s+(\d+)/m.exec(status)?.[1] ?? '?';
    process.stdout.write(
      `${p.role} pid ${p.pid}: PSS ${m.total.pssMb} MB, RSS ${m.total.rssMb} MB, anonymous ${m.total.anonMb} MB, threads ${threads}\n`,
    );
    for (const r of m.rows.slice(0, 8))
      process.stdout.write(`  ${r.name}: PSS ${r.pssMb}, RSS ${r.rssMb}, anonymous ${r.anonMb}\n`);
  }
}

async function main(): Promise<void> {
  let ctd: TestContainerd | undefined;
  let st: TestStack | undefined;
  try {
    ctd = await startContainerd('bench-idle');
    st = await testStack(ctd, 'bench-idle', { bundle: true });
    await packNodeFunction(ctd.client.inNamespace(st.config.functionNamespace), IMAGE);
    await st.startUp();
    await report('idle after the first faasd up (core images packed)', st, ctd);
    await st.stop(st.up);
    await st.startUp();
    await report('idle after a restart (core images present)', st, ctd);
    const headers = { Authorization: st.auth, 'Content-Type': 'application/json' };
    const res = await fetch(`${st.gateway}/system/functions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ service: 'idle-fn', image: IMAGE }),
    });
    if (res.status !== 202) throw new Error(`deploy: ${res.status} ${await res.text()}`);
    const url = `${st.gateway}/function/idle-fn`;
    await pollUntil('idle-fn to answer', async () => ((await fetch(url)).ok ? true : undefined), {
      timeoutMs: 60_000,
    });
    await report('idle after one deploy and its first invocations', st, ctd);
    await st.stop(st.up);
  } finally {
    await st?.cleanup();
    await ctd?.stop();
  }
}

await main();
