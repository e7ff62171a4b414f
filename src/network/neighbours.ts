import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The kernel's IPv4 neighbour (ARP) table limits, shared by every interface. */
const NEIGH_DIR = '/proc/sys/net/ipv4/neigh/default';
/** net.core: netdev_max_backlog, the per-CPU queue of received packets (a veth's delivery goes there). */
const CORE_DIR = '/proc/sys/net/core';
/** A Linux bridge has at most this many ports (BR_MAX_PORTS: port numbers are 10 bits). */
const BRIDGE_MAX_PORTS = 1024;
/** Beyond this, entries are the host's to tune: 32,768 neighbours is far past one host's functions. */
const MOST = 32_768;

export interface NeighbourLimits {
  /** gc_thresh1: with fewer entries the kernel collects none (its periodic gc does not run). */
  keep: number;
  /** gc_thresh2: past it, entries not updated for 5 s are collected whenever one is added. */
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

/**
 * What a subnet of this prefix needs (never below the kernel's defaults): the entries of every
 * address kept, with room above. Kept because each lost one costs a broadcast to every port of the
 * bridge: with the default gc_thresh1 (128) the kernel collected every entry unused for a minute, so
 * at 1,000 functions a start after a quiet spell ARPed for all of them — the host for each function
 * and each function for the gateway, ~2,000 broadcasts copied to ~1,000 ports — and the first start
 * after bench/density's batch took 9.4-11.2 s until all answered (6.1 s with them kept). A kept entry
 * goes stale, not away: on its next use the kernel checks it by unicast (and falls back to a
 * broadcast if the address now has another MAC).
 */
export function neighbourLimitsFor(prefix: number): NeighbourLimits {
  const addresses = 2 ** Math.max(0, 32 - prefix);
  const keep = Math.min(MOST / 4, Math.max(128, PER_ADDRESS * addresses));
  return { keep, soft: Math.max(512, 2 * keep), hard: Math.max(1024, 4 * keep) };
}

/**
 * Room in the per-CPU backlog for one broadcast on the bridge (the host's ARP request for a function):
 * the bridge copies it to every port in one pass and each veth queues its copy on the CPU's backlog,
 * so past netdev_max_backlog (1,000 by default) the copies for the last ports are dropped — the ports
 * that joined first, which the bridge floods to last. At ~1,000 functions the first functions' ARP
 * requests never arrived: the host could not reach them again once their neighbour entries expired
 * (issue #16; docs/field-notes.md). Twice the ports the bridge can have, for other traffic queued
 * at the same time.
 */
export function backlogFor(prefix: number): number {
  const addresses = 2 ** Math.max(0, 32 - prefix);
  return Math.max(1000, 2 * Math.min(addresses, BRIDGE_MAX_PORTS));
}

/**
 * The host talks to every function (readiness probes, invocations) and each function to the gateway,
 * so each needs neighbour entries: past the hard limit, new entries fail ("neighbour table overflow")
 * and so do connects to functions; entries the kernel collects are ARPed for again; and the host's ARP requests reach every port only with room in the
 * backlog (backlogFor). Issue #16: a thousand functions on one bridge. Only raises, never lowers what
 * the host has; returns what changed.
 */
export async function ensureKernelRoom(
  prefix: number,
  dirs: { neigh: string; core: string } = { neigh: NEIGH_DIR, core: CORE_DIR },
): Promise<string[]> {
  const want = neighbourLimitsFor(prefix);
  const changed: string[] = [];
  for (const [dir, file, value] of [
    [dirs.neigh, 'gc_thresh3', want.hard],
    [dirs.neigh, 'gc_thresh2', want.soft],
    [dirs.neigh, 'gc_thresh1', want.keep],
    [dirs.core, 'netdev_max_backlog', backlogFor(prefix)],
  ] as const) {
    const path = join(dir, file);
    const now = Number((await readFile(path, 'utf8')).trim());
    if (Number.isFinite(now) && now >= value) continue;
    await writeFile(path, `${value}\n`);
    changed.push(`${file} ${now} -> ${value}`);
  }
  return changed;
}
