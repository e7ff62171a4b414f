import { readFile } from 'node:fs/promises';
import { round1 } from './memory.js';

export interface MappingMemory {
  /** The mapped file, or `[anon]` / `[heap]` / `[stack]` for memory no file backs. */
  name: string;
  pssMb: number;
  rssMb: number;
  anonMb: number;
}

/**
 * Sums /proc/PID/smaps per mapped file (anonymous mappings together): which of a daemon's resident
 * memory is the node binary's text, shared libraries, or its own heaps (V8's, malloc's, wasm's).
 */
export function parseSmaps(text: string): { total: MappingMemory; rows: MappingMemory[] } {
  const by = new Map<string, { pss: number; rss: number; anon: number }>();
  let current = '[anon]';
  for (const line of text.split('\n')) {
    // A mapping's header: "start-end perms offset dev inode [path]".
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const path = head[1]?.trim() ?? '';
      current = path === '' ? '[anon]' : path;
      continue;
    }
    const field = /^(Pss|Rss|Anonymous):\s+(\d+) kB/.exec(line);
    if (!field) continue;
    const e = by.get(current) ?? { pss: 0, rss: 0, anon: 0 };
    const kb = Number(field[2]);
    if (field[1] === 'Pss') e.pss += kb;
    else if (field[1] === 'Rss') e.rss += kb;
    else e.anon += kb;
    by.set(current, e);
  }
  const mb = (kb: number) => round1(kb / 1024);
  const rows = [...by]
    .map(([name, e]) => ({ name, pssMb: mb(e.pss), rssMb: mb(e.rss), anonMb: mb(e.anon) }))
    .sort((a, b) => b.pssMb - a.pssMb);
  const sum = (k: 'pssMb' | 'rssMb' | 'anonMb') => round1(rows.reduce((a, r) => a + r[k], 0));
  return { total: { name: 'total', pssMb: sum('pssMb'), rssMb: sum('rssMb'), anonMb: sum('anonMb') }, rows };
}

export async function smapsByMapping(pid: number): Promise<ReturnType<typeof parseSmaps>> {
  return parseSmaps(await readFile(`/proc/${pid}/smaps`, 'utf8'));
}
