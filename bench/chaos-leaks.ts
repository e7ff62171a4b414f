import { join } from 'node:path';
import type { Containerd } from '../src/containerd/index.js';
import {
  coreLogDir,
  functionLogDir,
  ipamStoreFile,
  cniIpamDataDir,
  type FaasdConfig,
} from '../src/config/index.js';
import { NETNS_DIR } from '../src/network/netns.js';
import { poolNamespace } from '../src/network/index.js';
import { iptablesLeaks } from './chaos-iptables.js';
import {
  addressesIn,
  hostLocalReservations,
  iptablesSave,
  listDir,
  namespaceState,
  netnsInode,
  storeRecords,
  type NamespaceState,
} from './chaos-host.js';

export const LEAK_KINDS = [
  'netns',
  'ipam',
  'hostLocal',
  'natChains',
  'forward',
  'dnat',
  'containers',
  'tasks',
  'snapshots',
  'leases',
  'fifos',
] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

export interface LeakReport {
  counts: Record<LeakKind, number>;
  /** What leaked, by name, so a run says what to look at. */
  details: string[];
  /** What was looked at (live and not), so a row of zeros is seen to have counted something. */
  seen: string;
}

export interface LeakScope {
  client: Containerd;
  config: FaasdConfig;
  /** Containers that should exist: the core services and the functions that should exist. */
  expected: Map<string, Set<string>>;
  /** Leases present before the run (e.g. images'); only new ones count. */
  baselineLeases: Set<string>;
}

/**
 * Containers that should not exist: of no expected service or function, or a second container of one
 * function (the chaos plan scales only between 0 and 1, so a settled function has one container, whose
 * ID may be NAME or NAME.N after updates).
 */
function unexpected(st: NamespaceState, expected: Map<string, Set<string>>): NamespaceState['containers'] {
  const seen = new Set<string>();
  return [...st.containers]
    .sort((a, b) => a.id.localeCompare(b.id))
    .filter((c) => {
      if (!expected.get(st.namespace)?.has(c.owner) || seen.has(c.owner)) return true;
      seen.add(c.owner);
      return false;
    });
}

/**
 * Counts what no container that should exist holds, on the stack's own namespaces, bridge subnet and
 * state dir. Live = every container containerd still has (a function scaled to 0 keeps its network).
 */
export async function countLeaks(s: LeakScope): Promise<LeakReport> {
  const { config } = s;
  const namespaces = [config.namespace, config.functionNamespace];
  const states: NamespaceState[] = [];
  for (const ns of namespaces) states.push(await namespaceState(s.client, ns));
  const details: string[] = [];
  const count = (kind: LeakKind, items: string[]) => {
    details.push(...items.map((i) => `${kind}: ${i}`));
    return items.length;
  };

  const liveInodes = new Set<number>();
  const liveIps = new Set<string>();
  const liveNetnsPaths = new Set<string>();
  for (const st of states) {
    for (const c of st.containers) {
      if (!c.netns) continue;
      liveNetnsPaths.add(c.netns);
      const ino = await netnsInode(c.netns);
      if (ino === undefined) continue;
      liveInodes.add(ino);
      for (const ip of await addressesIn(c.netns, config.subnet)) liveIps.add(ip);
    }
    for (const t of st.tasks) {
      if (t.pid <= 0) continue;
      const ino = await netnsInode(`/proc/${t.pid}/ns/net`);
      if (ino !== undefined) liveInodes.add(ino);
    }
  }

  // The netns pool's entries (network/netns-pool.ts) are attached with no container yet: live while
  // their netns is; one being added (pending) is the pool's, swept by the next start.
  const pool = poolNamespace(config.functionNamespace);
  const records = (await storeRecords(ipamStoreFile(config))).filter(
    (r) => r.namespace !== pool || r.state !== 'pending',
  );
  for (const r of records.filter((r) => r.namespace === pool)) {
    const path = join(NETNS_DIR, r.netns);
    const ino = await netnsInode(path);
    if (ino === undefined) continue;
    liveInodes.add(ino);
    liveNetnsPaths.add(path);
    for (const ip of await addressesIn(path, config.subnet)) liveIps.add(ip);
  }
  const reservations = await hostLocalReservations(cniIpamDataDir(config), config.subnet);
  const netnsLeaks: string[] = [];
  for (const name of await listDir(NETNS_DIR)) {
    const path = join(NETNS_DIR, name);
    // Ours: named after one of our namespaces, or an address on our subnet (naming may change).
    const named = namespaces.some((ns) => name.includes(ns));
    if (!named && !liveNetnsPaths.has(path) && (await addressesIn(path, config.subnet)).length === 0)
      continue;
    const ino = await netnsInode(path);
    if (ino === undefined || !liveInodes.has(ino)) netnsLeaks.push(path);
  }

  const existing = (ns: string, id: string) =>
    (ns === pool && liveNetnsPaths.has(join(NETNS_DIR, records.find((r) => r.id === id)?.netns ?? ''))) ||
    states.some((st) => st.namespace === ns && st.containers.some((c) => c.id === id));
  const ipt = iptablesLeaks(await iptablesSave('nat'), await iptablesSave('filter'), config.subnet, liveIps);
  // Log FIFOs (<logDir>/<ns>/.fifo/<id>.out|.err) of containers that no longer exist.
  const fifoLeaks: string[] = [];
  let fifoCount = 0;
  for (const logDir of [coreLogDir(config), functionLogDir(config)])
    for (const ns of namespaces)
      for (const f of await listDir(join(logDir, ns, '.fifo'))) {
        fifoCount++;
        const id = f.replace(/\.(out|err)$/, '');
        if (!existing(ns, id)) fifoLeaks.push(`${ns}/${f}`);
      }

  const counts: Record<LeakKind, number> = {
    netns: count('netns', netnsLeaks),
    ipam: count(
      'ipam',
      records
        .filter(
          (r) =>
            r.state !== 'attached' ||
            !existing(r.namespace, r.id) ||
            (r.ip !== undefined && !liveIps.has(r.ip)),
        )
        .map((r) => `${r.namespace}/${r.id} ${r.state} ${r.ip ?? '-'}`),
    ),
    hostLocal: count(
      'hostLocal',
      reservations.filter((ip) => !liveIps.has(ip)),
    ),
    natChains: count('natChains', ipt.natChains),
    forward: count('forward', ipt.forwardRules),
    dnat: count('dnat', ipt.dnatRules),
    containers: count(
      'containers',
      states.flatMap((st) => unexpected(st, s.expected).map((c) => `${st.namespace}/${c.id}`)),
    ),
    tasks: count(
      'tasks',
      states.flatMap((st) => {
        const wanted = new Set(
          st.containers.filter((c) => !unexpected(st, s.expected).includes(c)).map((c) => c.id),
        );
        return st.tasks
          .filter((t) => t.status !== 'RUNNING' || !wanted.has(t.id))
          .map((t) => `${st.namespace}/${t.id} ${t.status}`);
      }),
    ),
    snapshots: count(
      'snapshots',
      states.flatMap((st) =>
        st.snapshots
          .filter((sn) => sn.kind !== 'COMMITTED' && !st.containers.some((c) => c.snapshotKey === sn.name))
          .map((sn) => `${st.namespace}/${sn.name} ${sn.kind}`),
      ),
    ),
    leases: count(
      'leases',
      states.flatMap((st) =>
        st.leases
          .filter((l) => !s.baselineLeases.has(`${st.namespace}/${l}`))
          .map((l) => `${st.namespace}/${l}`),
      ),
    ),
    fifos: count('fifos', fifoLeaks),
  };
  const seen =
    `${states.reduce((n, st) => n + st.containers.length, 0)} containers, ` +
    `${states.reduce((n, st) => n + st.tasks.length, 0)} tasks, ${liveIps.size} live IPs, ` +
    `${records.length} store records, ${reservations.length} host-local files, ${fifoCount} log FIFOs`;
  return { counts, details, seen };
}

/** Every lease in the stack's namespaces now, as `namespace/id`, for LeakScope.baselineLeases. */
export async function leaseBaseline(client: Containerd, namespaces: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const ns of namespaces)
    for (const l of await client.inNamespace(ns).leases.list()) out.add(`${ns}/${l.id}`);
  return out;
}
