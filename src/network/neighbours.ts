import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The kernel's IPv4 neighbour (ARP) table limits, shared by every interface. */
const NEIGH_DIR = '/proc/sys/net/ipv4/neigh/default';
/** Beyond this, entries are the host's to tune: 32,768 neighbours is far past one host's functions. */
const MOST = 32_768;

export interface NeighbourLimits {
  /** gc_thresh2: past it, entries older than 5 s are collected. */
  soft: number;
  /** gc_thresh3: the hard limit; a new neighbour past it fails ("neighbour table overflow"). */
  hard: number;
}

/**
 * Neighbours one address on the bridge costs the kernel's table: the kernel keeps ONE IPv4 neighbour
 * table for the whole host, every network namespace's entries included (gc_thresh3 is read in the
 * host's namespace only). The host holds an entry per container it talks to, and each container one
 * for the gateway it answers through: two per container (issue #16: 1,000 functions filled ~2,010 of
 * a /21's 2,048, so another stack on the host overflowed it; docs/field-notes.md).
 */
const PER_ADDRESS = 2;

/** What a subnet of this prefix needs: room for every address on it (at least the kernel's defaults). */
export function neighbourLimitsFor(prefix: number): NeighbourLimits {
  const addresses = 2 ** Math.max(0, 32 - prefix);
  const hard = Math.min(MOST, Math.max(1024, PER_ADDRESS * addresses));
  return { soft: Math.max(512, hard / 2), hard };
}

/**
 * The host talks to every function (readiness probes, invocations) and each function to the gateway,
 * so each needs neighbour entries: past the hard limit, new entries fail ("neighbour table overflow")
 * and so do connects to functions (issue #16: a thousand functions on one bridge). Only raises, never lowers what the host has; returns what changed.
 */
export async function ensureNeighbourRoom(prefix: number, dir = NEIGH_DIR): Promise<string[]> {
  const want = neighbourLimitsFor(prefix);
  const changed: string[] = [];
  for (const [file, value] of [
    ['gc_thresh3', want.hard],
    ['gc_thresh2', want.soft],
  ] as const) {
    const path = join(dir, file);
    const now = Number((await readFile(path, 'utf8')).trim());
    if (Number.isFinite(now) && now >= value) continue;
    await writeFile(path, `${value}\n`);
    changed.push(`${file} ${now} -> ${value}`);
  }
  return changed;
}
