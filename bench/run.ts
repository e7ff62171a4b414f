// bench/run: every benchmark, printed as a table and written to bench/results.json and results.md.
// Root only (containerd, CNI). Bounded: fixed rounds, loopback and our own netns only.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { benchPull } from './pull.js';
import { benchNetwork } from './network.js';
import { benchStack } from './stack.js';
import type { BenchResult } from './stats.js';

if (process.getuid?.() !== 0) {
  process.stderr.write('bench/run needs root (it starts containerd and runs CNI plugins)\n');
  process.exit(2);
}

const results: BenchResult[] = [];
for (const [name, fn] of [
  ['pull', () => benchPull()],
  ['network', () => benchNetwork()],
  ['stack', () => benchStack()],
] as const) {
  process.stderr.write(`bench: ${name}…\n`);
  results.push(...(await fn()));
}

const table = [
  '| benchmark | faasd-ts | reference / target | note |',
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.name} | ${r.value} ${r.unit} | ${r.reference ?? ''} | ${r.note ?? ''} |`),
].join('\n');
const dir = import.meta.dirname;
await writeFile(
  join(dir, 'results.json'),
  JSON.stringify({ date: new Date().toISOString(), results }, null, 2) + '\n',
);
await writeFile(join(dir, 'results.md'), table + '\n');
process.stdout.write(table + '\n');
