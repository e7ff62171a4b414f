import { readdir } from 'node:fs/promises';
import { Address4 } from 'ip-address';
import type { CniRunner, NetworkList } from './cni.js';
import type { ConflistKind } from './conflist.js';
import { cniIdsOf, type IpamStore } from './ipam-store.js';
import { poolNamespace } from './netns-pool.js';
import { delListOf } from './attach-del.js';
import { deleteNetns, IFNAME, listNetns, namespaceOfNetns, netnsPath } from './netns.js';
import { dropMasquerade, dropPortMappings, sweepRules, type LiveSet } from './plugin-rules.js';

/** What reconcile works on: the network's store, plugins and the namespaces it owns. */
export interface ReconcileScope {
  store: IpamStore;
  runner: CniRunner;
  lists: Record<ConflistKind, NetworkList>;
  subnet: string;
  /** host-local's allocations of this network (older attachments). */
  ipamDir: string;
  /** Namespace name prefixes this network owns, so orphaned netns are found. */
  owned: string[];
  detach(namespace: string, id: string): Promise<void>;
}

/**
 * Removes attachments whose containers no longer exist, pending ones (a crash mid-ADD), netns of
 * owned namespaces that no record names, and plugin rules on this network no attachment owns.
 * Returns what it removed. `namespaces`: judge only these namespaces' attachments and netns — another
 * process (or part of this one) may be creating a container in the others, its record pending or
 * attached and its container not made yet, or its netns made and its record not yet written.
 */
export async function reconcileAttachments(
  net: ReconcileScope,
  exists: (namespace: string, id: string) => Promise<boolean>,
  namespaces?: string[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const r of await net.store.read()) {
    if (namespaces && !namespaces.includes(r.namespace)) continue;
    if (r.state === 'pending' || !(await exists(r.namespace, r.id))) {
      await net.detach(r.namespace, r.id);
      removed.push(`${r.namespace}/${r.id}`);
    }
  }
  const name = net.lists.legacy.name;
  const owns = (netns: string): boolean => ownedBy(net.owned, netns);
  const known = new Set((await net.store.read()).map((r) => cniIdsOf(r).netnsName));
  for (const netns of await listNetns()) {
    if (known.has(netns) || !owns(netns) || !judged(netns, namespaces)) continue;
    await net.runner
      .del(delListOf(net.lists), { containerId: netns, netns: netnsPath(netns), ifname: IFNAME })
      .catch(() => undefined);
    await dropPortMappings(name, netns);
    await dropMasquerade(name, netns);
    await deleteNetns(netns);
    removed.push(`netns ${netns}`);
  }
  removed.push(...(await sweepRules(name, net.subnet, owns, () => live(net))));
  return removed;
}

/**
 * Whether a netns is judged by a reconcile of `namespaces`: one of another namespace may be an attach
 * under way, its netns made beside its pending record (attach-add.ts), so not yet named by any record
 * (the daemon starts its core beside the provider's reconcile). A name from before the separator
 * names no namespace, and no attach makes one now: it is judged.
 */
function judged(netns: string, namespaces: string[] | undefined): boolean {
  const ns = namespaceOfNetns(netns);
  if (!namespaces || ns === undefined || namespaces.includes(ns)) return true;
  // A function namespace's netns pool (netns-pool.ts) is judged with it: the provider reconciles before
  // its pool starts, so an entry's netns that no record names is one a killed process left.
  return namespaces.some((n) => ns === poolNamespace(n));
}

/** Whether a netns name (= CNI container ID) is this network's: its namespace is or starts with an owned one. */
function ownedBy(owned: string[], name: string): boolean {
  const ns = namespaceOfNetns(name);
  if (ns !== undefined) return owned.some((n) => ns === n || ns.startsWith(`${n}-`));
  return owned.some((n) => name.startsWith(`${n}-`)); // a name from before the separator
}

/** What the plugins' leftover rules are checked against: every record, and host-local's allocations. */
async function live(net: ReconcileScope): Promise<LiveSet> {
  const records = await net.store.read();
  const ips = new Set(records.flatMap((r) => (r.ip ? [r.ip] : [])));
  const allocated = await readdir(net.ipamDir).catch(() => []);
  for (const f of allocated) if (Address4.isValid(f)) ips.add(f);
  return { containerIds: new Set(records.map((r) => cniIdsOf(r).containerId)), ips };
}
