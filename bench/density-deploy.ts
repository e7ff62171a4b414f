// bench/density --only deploy: at each N the batch (50 at a time) and one deploy alone, split by the
// provider's deploy line, without the list, invoke, memory and restart parts (issue #16's 1.5x goal).
import type { TestStack } from '../test/helpers/stack.js';
import { aloneDeploys, BATCH, SPLIT_HEAD, splitRow } from './density-fns.js';
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
    process.stderr.write(`${batches.at(-1) ?? ''}\n${rows.at(-1) ?? ''}\n`);
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
