// bench/density --only deploy: at each N the batch (50 at a time) and one deploy alone, split by the
// provider's deploy line, without the list, invoke, memory and restart parts (issue #16's 1.5x goal).
import type { TestStack } from '../test/helpers/stack.js';
import { aloneDeploys, BATCH, byCniPath, medianRun, SPLIT_HEAD, splitRow } from './density-fns.js';
import { median, timed } from './stats.js';

/** Deploys up to each of `levels` (ascending) with `deployAll`; the batch line and split row per N. */
export async function deploysOnly(
  s: TestStack,
  levels: number[],
  deployAll: (from: number, n: number) => Promise<number[]>,
): Promise<string[]> {
  const batches: string[] = [];
  const rows: string[] = [];
  let have = 0;
  for (const n of levels) {
    const [ms, posts] = await timed(() => deployAll(have, n));
    have = n;
    // A mark for a profiler started by hand (perf record -a) around the deploys alone.
    process.stderr.write(`bench/density: N = ${n}: ${posts.length} deployed; now 5 deploys alone\n`);
    const alone = await aloneDeploys(s, 5);
    batches.push(
      `N = ${n}: batch of ${posts.length} in ${Math.round(ms)} ms, POST p50 of its last ${BATCH} ` +
        `${Math.round(median(posts.slice(-BATCH)))} ms; one deploy alone (median of 5) ${Math.round(alone.postMs)} ms`,
    );
    rows.push(splitRow(n, alone.postMs, alone.split));
    // The same runs by CNI path (a pooled netns or an attach of its own), each where it has runs.
    const paths = byCniPath(alone.runs);
    for (const [path, runs] of Object.entries(paths)) {
      if (runs.length === 0) continue;
      const m = medianRun(runs);
      rows.push(splitRow(n, m.postMs, m.split).replace(/^\| \d+ /, `| ${n}, ${path} x${runs.length} `));
    }
    process.stderr.write(`${batches.at(-1) ?? ''}\n${rows.slice(-3).join('\n')}\n`);
  }
  return [
    ...batches,
    '',
    "one deploy alone, split by phase (the provider's deploy line; medians of 5, ms):",
    '',
    ...SPLIT_HEAD,
    ...rows,
  ];
}
