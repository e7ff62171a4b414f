import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Address4 } from 'ip-address';
import type { BindMount } from '../containerd/index.js';
import type { Attachment, NetworkAttacher, PortMapping } from '../runtime/index.js';
import { InvalidArgumentError } from '../errors.js';
import { CniRunner, type CniAttachment, type NetworkList } from './cni.js';
import { containerAddress } from './cni-result.js';
import { loopbackList, renderConflist, type NetworkSettings } from './conflist.js';
import { IpamStore, type AttachmentRecord } from './ipam-store.js';
import { createNetns, deleteNetns, listNetns, netnsExists, netnsName, netnsPath } from './netns.js';
import { deriveResolvConf, renderHosts, writeInPlace } from './hosts-file.js';
import { dropMasquerade } from './masquerade.js';
import { withNameservers } from './dns.js';

export interface NetworkOptions extends NetworkSettings {
  cniBinDirs: string[];
  /** Directory of the store, hosts and resolv.conf (e.g. /var/lib/faasd). */
  stateDir: string;
  /** containerd namespace whose containers are listed by name in the hosts file. */
  coreNamespace: string;
  /** Namespace name prefixes this network owns, so reconcile can find orphaned netns. */
  ownedNamespaces?: string[];
  cniTimeoutMs?: number;
  /** Nameservers for resolv.conf instead of the host's (checked IP addresses). */
  dns?: string[];
}

const IFNAME = 'eth0';

/** The first host address of the subnet: the bridge's own address with `isGateway`. */
export function gatewayOf(subnet: string): string {
  if (!Address4.isValid(subnet))
    throw new InvalidArgumentError('subnet', `subnet ${JSON.stringify(subnet)} is not an IPv4 CIDR`);
  const a = new Address4(subnet);
  const start = a.startAddress().bigInt() + 1n;
  return Address4.fromBigInt(start).correctForm();
}

/** Every container gets its own netns on the faasd bridge through the reference CNI plugins. */
export class CniNetwork implements NetworkAttacher {
  readonly runner: CniRunner;
  readonly store: IpamStore;
  readonly list: NetworkList;
  readonly hostsPath: string;
  readonly resolvPath: string;
  readonly gateway: string;

  constructor(private readonly o: NetworkOptions) {
    this.runner = new CniRunner(o.cniBinDirs, o.cniTimeoutMs);
    this.store = new IpamStore(join(o.stateDir, 'network', 'ipam.json'));
    this.list = renderConflist(o);
    this.hostsPath = join(o.stateDir, 'hosts');
    this.resolvPath = join(o.stateDir, 'resolv.conf');
    this.gateway = gatewayOf(o.subnet);
  }

  sharedMounts(): BindMount[] {
    return [
      { source: this.hostsPath, destination: '/etc/hosts', readonly: true },
      { source: this.resolvPath, destination: '/etc/resolv.conf', readonly: true },
    ];
  }

  get prefix(): number {
    return Number(this.o.subnet.split('/')[1] ?? '16');
  }

  /** Writes hosts and resolv.conf before any container that mounts them is created. */
  async prepareFiles(): Promise<void> {
    await mkdir(dirname(this.hostsPath), { recursive: true });
    const host = await deriveResolvConf();
    await writeInPlace(this.resolvPath, this.o.dns?.length ? withNameservers(host, this.o.dns) : host);
    await this.store.withLock(async () => this.writeHosts(await this.store.read()));
  }

  private writeHosts = async (records: AttachmentRecord[]): Promise<void> => {
    await writeInPlace(this.hostsPath, renderHosts(records, this.o.coreNamespace, this.gateway));
  };

  private cniAttachment(namespace: string, id: string): CniAttachment {
    const name = netnsName(namespace, id);
    return { containerId: name, netns: netnsPath(name), ifname: IFNAME };
  }

  /**
   * Gives the container a netns on the bridge. Idempotent: a stale attachment of the same id is
   * removed first. A pending record is stored before ADD, so a crash mid-ADD is found by reconcile.
   */
  async attach(
    namespace: string,
    id: string,
    opts: { portMappings?: PortMapping[] } = {},
  ): Promise<Attachment> {
    if (await this.store.find(namespace, id)) await this.detach(namespace, id);
    const att = this.cniAttachment(namespace, id);
    const portMappings = opts.portMappings ?? [];
    const pending: AttachmentRecord = {
      namespace,
      id,
      netns: att.netns,
      ifname: IFNAME,
      state: 'pending',
      portMappings,
      createdAt: new Date().toISOString(),
    };
    await this.store.update((rs) => [
      ...rs.filter((r) => !(r.namespace === namespace && r.id === id)),
      pending,
    ]);
    try {
      await createNetns(netnsName(namespace, id));
      await this.runner.add(loopbackList(), { ...att, ifname: 'lo' });
      const result = await this.runner.add(this.list, att, { portMappings });
      const addr = containerAddress(result);
      const done: AttachmentRecord = {
        ...pending,
        state: 'attached',
        ip: addr.ip,
        prefix: addr.prefix,
        ...(addr.gateway ? { gateway: addr.gateway } : {}),
        ...(addr.mac ? { mac: addr.mac } : {}),
        result,
      };
      await this.store.update(
        (rs) => rs.map((r) => (r.namespace === namespace && r.id === id ? done : r)),
        this.writeHosts,
      );
      return { netnsPath: att.netns, ip: addr.ip };
    } catch (err) {
      await this.detach(namespace, id).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Attaches again a container whose record outlived its netns (a host reboot empties /run, so a task
   * could not start in it): DEL with the stored result frees the old address and rules, then ADD. The
   * netns keeps its name, so the container's spec still points at it. True when it re-attached.
   */
  async restore(namespace: string, id: string): Promise<boolean> {
    const record = await this.store.find(namespace, id);
    if (record?.state !== 'attached' || (await netnsExists(netnsName(namespace, id)))) return false;
    await this.attach(namespace, id, { portMappings: record.portMappings ?? [] });
    return true;
  }

  /** CNI DEL, netns removal, record removal. Detaching what is already gone succeeds. */
  async detach(namespace: string, id: string): Promise<void> {
    const record = await this.store.find(namespace, id);
    const att = this.cniAttachment(namespace, id);
    const netnsGone = !(await netnsExists(netnsName(namespace, id)));
    await this.runner.del(this.list, att, { portMappings: record?.portMappings ?? [] }, record?.result);
    // Without its netns the bridge plugin's DEL cannot see which masquerade rule was the container's.
    if (netnsGone) await dropMasquerade(this.list.name, att.containerId);
    await deleteNetns(netnsName(namespace, id));
    if (record) {
      await this.store.update(
        (rs) => rs.filter((r) => !(r.namespace === namespace && r.id === id)),
        this.writeHosts,
      );
    }
  }

  async records(namespace?: string): Promise<AttachmentRecord[]> {
    const all = await this.store.read();
    return namespace ? all.filter((r) => r.namespace === namespace) : all;
  }

  /**
   * Removes attachments whose containers no longer exist, pending ones (a crash mid-ADD), and netns
   * of owned namespaces that no record names. Returns what it removed.
   */
  async reconcile(exists: (namespace: string, id: string) => Promise<boolean>): Promise<string[]> {
    const removed: string[] = [];
    for (const r of await this.store.read()) {
      if (r.state === 'pending' || !(await exists(r.namespace, r.id))) {
        await this.detach(r.namespace, r.id);
        removed.push(`${r.namespace}/${r.id}`);
      }
    }
    const known = new Set((await this.store.read()).map((r) => netnsName(r.namespace, r.id)));
    const prefixes = (this.o.ownedNamespaces ?? [this.o.coreNamespace]).map((n) => `${n}-`);
    for (const name of await listNetns()) {
      if (known.has(name) || !prefixes.some((p) => name.startsWith(p))) continue;
      await this.runner
        .del(this.list, { containerId: name, netns: netnsPath(name), ifname: IFNAME })
        .catch(() => undefined);
      await deleteNetns(name);
      removed.push(`netns ${name}`);
    }
    return removed;
  }
}
