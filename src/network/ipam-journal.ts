import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { InternalError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import type { AttachmentRecord } from './ipam-store.js';

/**
 * The store on disk: a journal of one JSON line per change, `{"put": record}` or `{"del": [namespace,
 * id]}`, appended and fdatasync'ed. A change costs the same at a thousand records as at one (the whole
 * JSON file rewritten twice per attach grew with N, issue #16). Each append is `\n<json>\n`: a line torn
 * by a crash is ended by the next append and skipped as unparsable, and a reader takes only lines up to
 * the last newline, so it never sees half of one.
 */
type Op = { put: AttachmentRecord } | { del: [string, string] };

export const keyOf = (namespace: string, id: string): string => `${namespace}/${id}`;

/** The records a journal's lines give, in first-put order; unparsable lines (torn writes) are skipped. */
export function applyLines(records: Map<string, AttachmentRecord>, text: string): number {
  let ops = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let op: Op;
    try {
      op = JSON.parse(line) as Op;
    } catch {
      continue;
    }
    ops++;
    if ('put' in op) records.set(keyOf(op.put.namespace, op.put.id), op.put);
    else records.delete(keyOf(op.del[0], op.del[1]));
  }
  return ops;
}

export const putLine = (r: AttachmentRecord): string => `\n${JSON.stringify({ put: r })}\n`;
export const delLine = (namespace: string, id: string): string =>
  `\n${JSON.stringify({ del: [namespace, id] })}\n`;

/** Appends lines and makes them durable (fdatasync: the file's size is metadata it covers). */
export async function appendDurable(path: string, text: string): Promise<void> {
  const fh = await open(path, 'a', 0o644);
  try {
    await fh.appendFile(text);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/** Rewrites the journal as one put per live record: a new file renamed over the old (a new inode). */
export async function compact(path: string, records: Iterable<AttachmentRecord>): Promise<void> {
  let text = '';
  for (const r of records) text += putLine(r);
  await writeFileAtomic(path, text);
}

interface LegacyFile {
  version: 1;
  records: AttachmentRecord[];
}

/**
 * Moves a store of the earlier format (one JSON file, rewritten whole) into the journal. Idempotent: a
 * crash before the old file is removed leaves a journal that already holds its records, and the next
 * start only removes the old file. Returns how many records it moved (undefined: nothing to move).
 */
export async function migrateLegacy(legacy: string, journal: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(legacy, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const exists = await stat(journal).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const parsed = JSON.parse(text) as LegacyFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.records))
      throw new InternalError(`IPAM store ${legacy} has an unknown format`);
    // The first record of a key wins, as the old store's lookups had it.
    const byKey = new Map<string, AttachmentRecord>();
    for (const r of parsed.records)
      if (!byKey.has(keyOf(r.namespace, r.id))) byKey.set(keyOf(r.namespace, r.id), r);
    await compact(journal, byKey.values());
    await unlink(legacy);
    return byKey.size;
  }
  // Kept as evidence beside the journal that superseded it, not read again.
  await rename(legacy, `${legacy}.migrated`);
  return 0;
}
