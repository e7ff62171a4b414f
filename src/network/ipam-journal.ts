import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { InternalError } from '../errors.js';
import { writeFileAtomic } from '../fs.js';
import type { AttachmentRecord } from './ipam-store.js';

/**
 * The store on disk: a journal of one JSON line per change, `{"put": record}` or `{"del": [namespace,
 * id]}`, appended and fdatasync'ed; `{"cursor": ip}` keeps the round robin's last address across a
 * compaction (ipam-alloc.ts; otherwise the last reservation's put names it). A change costs the same at a thousand records as at one (the whole
 * JSON file rewritten twice per attach grew with N, issue #16). Each append is `\n<json>\n`: a line torn
 * by a crash is ended by the next append and skipped as unparsable, and a reader takes only lines up to
 * the last newline, so it never sees half of one.
 */
type Op = { put: AttachmentRecord } | { del: [string, string] } | { cursor: string };

/** The last address handed out (ipam-alloc.ts): a put of a reservation or a cursor line moves it. */
export interface Cursor {
  last?: string;
}

/** The address a put reserves from the journal (the pending record of an attach through `static`). */
const reservedBy = (r: AttachmentRecord): string | undefined =>
  r.state === 'pending' && r.ipam === 'static' ? r.ip : undefined;

export const keyOf = (namespace: string, id: string): string => `${namespace}/${id}`;

/**
 * The records a journal's lines give, in first-put order; unparsable lines (torn writes) and ops of
 * unknown shape are skipped. `cursor` follows the reservations.
 */
export function applyLines(
  records: Map<string, AttachmentRecord>,
  text: string,
  cursor: Cursor = {},
): number {
  let ops = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let op: Op;
    try {
      op = JSON.parse(line) as Op;
    } catch {
      continue;
    }
    if (typeof op !== 'object' || op === null) continue;
    ops++;
    if ('put' in op) {
      records.set(keyOf(op.put.namespace, op.put.id), op.put);
      const reserved = reservedBy(op.put);
      if (reserved !== undefined) cursor.last = reserved;
    } else if ('del' in op) records.delete(keyOf(op.del[0], op.del[1]));
    else if ('cursor' in op) cursor.last = op.cursor;
  }
  return ops;
}

export const putLine = (r: AttachmentRecord): string => `\n${JSON.stringify({ put: r })}\n`;
export const delLine = (namespace: string, id: string): string =>
  `\n${JSON.stringify({ del: [namespace, id] })}\n`;
const cursorLine = (ip: string): string => `\n${JSON.stringify({ cursor: ip })}\n`;

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

/**
 * Rewrites the journal as one put per live record, then the cursor (its reservation may be gone): a
 * new file renamed over the old (a new inode).
 */
export async function compact(
  path: string,
  records: Iterable<AttachmentRecord>,
  cursor: Cursor = {},
): Promise<void> {
  let text = '';
  for (const r of records) text += putLine(r);
  if (cursor.last !== undefined) text += cursorLine(cursor.last);
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
