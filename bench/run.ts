// bench/run: every benchmark, printed as a table and written to bench/results.json and results.md.
// Root only (containerd, CNI). Bounded: fixed rounds, loopback and our own netns only.
// Usage: bench/run [pull|network|stack|invoke ...]   (default: pull, network, stack; `invoke` is the
// stack's throughput rows alone: wrk via provider and gateway, for issue #12's invoke-path goal)
import { stat, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchPull } from './pull.js';
import { benchNetwork } from './network.js';
import { benchStack } from './stack.js';
import type { BenchResult } from './stats.js';

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/run needs root (it starts containerd and runs CNI plugins)\n');
  process.exit(2);
}

const benches = [
  ['pull', () => benchPull()],
  ['network', () => benchNetwork()],
  ['stack', () => benchStack()],
  ['invoke', () => benchStack({ invokeOnly: true })],
] as const;
const only = process.argv.slice(2);
const unknown = only.filter((n) => !benches.some(([name]) => name === n));
if (unknown.length) {
  process.stderr.write(
    `bench/run: unknown bench ${unknown.join(', ')} (use ${benches.map(([n]) => n).join(', ')})\n`,
  );
  process.exit(2);
}
const loadBefore = loadavg();
const results: BenchResult[] = [];
for (const [name, fn] of benches) {
  if (only.length ? !only.includes(name) : name === 'invoke') continue;
  process.stderr.write(`bench: ${name}…\n`);
  results.push(...(await fn()));
}

/** The single-file executable's size, when scripts/release.sh has built it. */
async function executableSize(): Promise<BenchResult> {
  const path = 'dist/release/faasd-linux-amd64';
  const st = await stat(join(import.meta.dirname, '..', path)).catch(() => undefined);
  return st
    ? { name: `${path} size`, value: Number((st.size / 1024 / 1024).toFixed(1)), unit: 'MiB' }
    : { name: `${path} size`, value: 0, unit: '', note: 'not built (scripts/release.sh amd64)' };
}
results.push(await executableSize());

// The machine may be shared (other test runs): say how busy it was beside the figures.
const loads = (l: number[]) => l.map((n) => n.toFixed(1)).join(' ');
const table = [
  `Measured ${new Date().toISOString()} on ${availableParallelism()} cores; load average (1, 5, 15 min) ` +
    `before ${loads(loadBefore)}, after ${loads(loadavg())}: other work on the machine shows in the figures.`,
  '',
  '| benchmark | faasd-ts | reference / target | note |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.value} ${r.unit} | ${r.reference ?? ''} | ${r.note ?? ''} |`),
].join('\n');
const dir = import.meta.dirname;
await writeFile(
  join(dir, 'results.json'),
  JSON.stringify(
    { date: new Date().toISOString(), loadavg: { before: loadBefore, after: loadavg() }, results },
    null,
    2,
  ) + '\n',
);
await writeFile(join(dir, 'results.md'), table + '\n');
process.stdout.write(table + '\n');
