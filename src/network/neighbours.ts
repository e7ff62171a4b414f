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

/** What a subnet of this prefix needs: room for every address on it (at least the kernel's defaults). */
export function neighbourLimitsFor(prefix: number): NeighbourLimits {
  const addresses = 2 ** Math.max(0, 32 - prefix);
  const hard = Math.min(MOST, Math.max(1024, addresses));
  return { soft: Math.max(512, hard / 2), hard };
}

/**
 * The host talks to every function (readiness probes, invocations), so it needs a neighbour entry for
 * each: past the kernel's default hard limit of 1,024, connects to functions fail (issue #16: a
 * thousand functions on one bridge). Only raises, never lowers what the host has; returns what changed.
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
