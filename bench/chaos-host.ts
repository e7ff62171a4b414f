import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { specOf, type Containerd } from '../src/containerd/index.js';
import { FUNCTION_LABEL } from '../src/provider/index.js';
import { inSubnet } from './chaos-iptables.js';
import { IpamStore, cniIdsOf } from '../src/network/ipam-store.js';

/** What containerd holds in one namespace, with each container's netns path (from its OCI spec). */
export interface NamespaceState {
  namespace: string;
  /** `owner`: the function a container serves (its io.faasd.function label: NAME, NAME.1, ... are one function's), else its ID. */
  containers: { id: string; owner: string; snapshotKey: string; netns: string | undefined }[];
  tasks: { id: string; pid: number; status: string }[];
  snapshots: { name: string; kind: string }[];
  leases: string[];
}

export async function namespaceState(client: Containerd, namespace: string): Promise<NamespaceState> {
  const c = client.inNamespace(namespace);
  const containers = (await c.containers.list()).map((r) => {
    const linux = specOf(r)?.linux as { namespaces?: { type: string; path?: string }[] } | undefined;
    const netns = linux?.namespaces?.find((n) => n.type === 'network')?.path;
    return {
      id: r.id,
      owner: r.labels[FUNCTION_LABEL] || r.id,
      snapshotKey: r.snapshotKey,
      netns: netns || undefined,
    };
  });
  const tasks = (await c.tasks.list()).map((t) => ({ id: t.containerId, pid: t.pid, status: t.status }));
  const snapshots = (await c.snapshots.list()).map((s) => ({ name: s.name, kind: s.kind }));
  const leases = (await c.leases.list()).map((l) => l.id);
  return { namespace, containers, tasks, snapshots, leases };
}

/** The inode of a network namespace file (a netns bind mount or /proc/PID/ns/net), or undefined. */
export async function netnsInode(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.ino,
    () => undefined,
  );
}

/** IPv4 addresses in `subnet` on any interface of the network namespace at `path` (read-only look). */
export async function addressesIn(path: string, subnet: string): Promise<string[]> {
  const r = await execa('nsenter', [`--net=${path}`, 'ip', '-4', '-o', 'addr', 'show'], {
    reject: false,
    timeout: 5000,
  });
  if (r.exitCode !== 0) return [];
  return [...r.stdout.matchAll(/ inet (\d+\.\d+\.\d+\.\d+)\//g)]
    .map((m) => m[1] ?? '')
    .filter((ip) => inSubnet(ip, subnet));
}

export async function listDir(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** host-local's reservations: one file per IP (named after it) in `<dataDir>/<network>/`. */
export async function hostLocalReservations(dataDir: string, subnet: string): Promise<string[]> {
  const out: string[] = [];
  for (const network of await listDir(dataDir)) {
    for (const f of await listDir(join(dataDir, network))) if (inSubnet(f, subnet)) out.push(f);
  }
  return out;
}

/** The network store's records (`<stateDir>/network/ipam.json` names it; the journal holds them), read defensively. */
export async function storeRecords(
  path: string,
): Promise<{ namespace: string; id: string; state: string; ip: string | undefined; netns: string }[]> {
  const records = await new IpamStore(path).read().catch(() => []);
  return records.map((r) => ({
    namespace: r.namespace,
    id: r.id,
    state: r.state,
    ip: r.ip,
    netns: cniIdsOf(r).netnsName,
  }));
}

export async function iptablesSave(table: 'nat' | 'filter'): Promise<string> {
  const r = await execa('iptables-save', ['-t', table], { reject: false, timeout: 10_000 });
  return r.exitCode === 0 ? r.stdout : '';
}
