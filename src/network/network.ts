import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostsFile, ipamStoreFile, resolvConfFile } from '../config/paths.js';
import { Address4 } from 'ip-address';
import { execa } from 'execa';
import type { BindMount } from '../containerd/index.js';
import type { Attachment, NetworkAttacher, PortMapping } from '../runtime/index.js';
import { InvalidArgumentError } from '../errors.js';
import { CniRunner, type CniAttachment, type NetworkList } from './cni.js';
import { containerAddress } from './cni-result.js';
import { ranNoPlugin } from './cni-errors.js';
import { renderConflist, type ConflistKind, type NetworkSettings } from './conflist.js';
import { ensureSubnetRules, removeSubnetRules } from './subnet-rules.js';
import { IpamStore, cniIdsOf, type AttachmentRecord } from './ipam-store.js';
import { deleteNetns, listNetns, namespaceOfNetns, netnsExists, netnsName, netnsPath } from './netns.js';
import { deriveResolvConf, renderHosts } from './hosts-file.js';
import { writeInPlace } from '../fs.js';
import { dropMasquerade, dropPortMappings, sweepRules, type LiveSet } from './plugin-rules.js';
import { guardLocalnet, unguardLocalnet } from './localnet.js';
import { ensureNeighbourRoom } from './neighbours.js';
import { pinBridgeAddress } from './bridge-mac.js';
import { withNameservers } from './dns.js';
import { Split, type AttachSplit } from './split.js';
import { addAttachment } from './attach-add.js';

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
/** How long the localnet guard, once checked, is taken as still there (a flush by hand is repaired after). */
const GUARD_RECHECK_MS = 10_000;

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
  /** The conflist of attachments made before issue #16 (and for CNI tools on the host): DEL of those uses it. */
  readonly list: NetworkList;
  readonly lists: Record<ConflistKind, NetworkList>;
  readonly hostsPath: string;
  readonly resolvPath: string;
  readonly gateway: string;
  /** Where each recent attach's time went (ms per phase and plugin), taken once by the deploy's log line. */
  private readonly attachSplits = new Map<string, AttachSplit>();
  private guardedAt = -Infinity;
  private bridgePinned = false;
  /** The host rules' check under way in the background, if any (removeBridge waits for it). */
  private recheck: Promise<void> | undefined;

  constructor(private readonly options: NetworkOptions) {
    this.runner = new CniRunner(options.cniBinDirs, options.cniTimeoutMs);
    this.store = new IpamStore(ipamStoreFile(options));
    this.list = renderConflist(options);
    this.lists = {
      legacy: this.list,
      plain: renderConflist(options, 'plain'),
      ports: renderConflist(options, 'ports'),
    };
    this.hostsPath = hostsFile(options);
    this.resolvPath = resolvConfFile(options);
    this.gateway = gatewayOf(options.subnet);
  }

  sharedMounts(): BindMount[] {
    return [
      { source: this.hostsPath, destination: '/etc/hosts', readonly: true },
      { source: this.resolvPath, destination: '/etc/resolv.conf', readonly: true },
    ];
  }

  get prefix(): number {
    return Number(this.options.subnet.split('/')[1] ?? '16');
  }

  /**
   * Writes hosts and resolv.conf before any container that mounts them is created, and makes room in
   * the host's neighbour table for every address of the subnet. Returns what it changed on the host.
   */
  async prepareFiles(): Promise<string[]> {
    const changed = await ensureNeighbourRoom(this.prefix).catch(() => []);
    await mkdir(dirname(this.hostsPath), { recursive: true });
    const host = await deriveResolvConf();
    await writeInPlace(
      this.resolvPath,
      this.options.dns?.length ? withNameservers(host, this.options.dns) : host,
    );
    await this.store.withLock(async () => this.writeHosts(await this.store.read()));
    await this.checkRules();
    return changed;
  }

  /**
   * Under the store's lock after every change of it. Functions are not in the hosts file, so most
   * changes leave it as it is: it is written only when its text changes (a write per deploy rewrote a
   * file bind-mounted into every container, issue #16).
   */
  private writeHosts = async (records: AttachmentRecord[]): Promise<void> => {
    const text = renderHosts(records, this.options.coreNamespace, this.gateway);
    if ((await readFile(this.hostsPath, 'utf8').catch(() => undefined)) === text) return;
    await writeInPlace(this.hostsPath, text);
  };

  /** Only core services are in the hosts file: a function's change need not even compare it. */
  private hostsAfter(namespace: string): ((records: AttachmentRecord[]) => Promise<void>) | undefined {
    return namespace === this.options.coreNamespace ? this.writeHosts : undefined;
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
    return this.attachAs(namespace, id, netnsName(namespace, id), opts.portMappings ?? []);
  }

  /** The netns path `attach` gives this container (a restore keeps an older one's). */
  netnsPathFor(namespace: string, id: string): string {
    return netnsPath(netnsName(namespace, id));
  }

  /** Attaches under `name` (netns name and CNI container ID): a restore keeps the name it had. */
  private async attachAs(
    namespace: string,
    id: string,
    name: string,
    portMappings: PortMapping[],
  ): Promise<Attachment> {
    if (await this.store.find(namespace, id)) await this.detach(namespace, id);
    const att: CniAttachment = { containerId: name, netns: netnsPath(name), ifname: IFNAME };
    const conflist = portMappings.length > 0 ? 'ports' : 'plain';
    const pending: AttachmentRecord = {
      namespace,
      id,
      netns: att.netns,
      containerId: name,
      ifname: IFNAME,
      state: 'pending',
      portMappings,
      conflist,
      createdAt: new Date().toISOString(),
    };
    const split = new Split();
    try {
      const result = await addAttachment(
        { store: this.store, runner: this.runner, list: this.lists[conflist], rulesOf: this.list.name },
        pending,
        att,
        split,
      );
      // The bridge plugin made the bridge on the first ADD if nothing else did: fix its MAC before more
      // ports join (bridge-mac.ts). Once per process; a sysfs read when it is fixed already.
      if (!this.bridgePinned) this.bridgePinned = await pinBridgeAddress(this.options.bridge);
      await this.ensureRules();
      split.lap('rules');
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
      await this.store.put(done, this.hostsAfter(namespace));
      split.lap('store2');
      // Bounded: an entry nobody takes (a start by the supervisor) leaves when the map is full.
      if (this.attachSplits.size >= 256)
        this.attachSplits.delete(this.attachSplits.keys().next().value ?? '');
      this.attachSplits.set(`${namespace}/${id}`, split.done());
      return { netnsPath: att.netns, ip: addr.ip };
    } catch (err) {
      // No plugin ran when the first is not installed: its DEL would fail too, and keep the record.
      await (
        ranNoPlugin(err, this.lists[conflist])
          ? deleteNetns(name).then(() => this.store.remove(namespace, id, this.hostsAfter(namespace)))
          : this.detach(namespace, id)
      ).catch(() => undefined);
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
    if (record?.state !== 'attached') return false;
    const { netnsName: name } = cniIdsOf(record);
    if (await netnsExists(name)) return false;
    await this.attachAs(namespace, id, name, record.portMappings ?? []);
    return true;
  }

  /** Where the container's last attach spent its time, once; undefined when not known. */
  takeAttachSplit(namespace: string, id: string): AttachSplit | undefined {
    const split = this.attachSplits.get(`${namespace}/${id}`);
    this.attachSplits.delete(`${namespace}/${id}`);
    return split;
  }

  /** CNI DEL, netns removal, record removal. Detaching what is already gone succeeds. */
  async detach(namespace: string, id: string): Promise<void> {
    const record = await this.store.find(namespace, id);
    // A record names what it was attached under (older records: `<namespace>-<id>`).
    const fresh = netnsName(namespace, id);
    const { netnsName: name, containerId } = record
      ? cniIdsOf(record)
      : { netnsName: fresh, containerId: fresh };
    const att: CniAttachment = { containerId, netns: netnsPath(name), ifname: IFNAME };
    // DEL with what ADD used. Without a record nobody knows: bridge alone frees the address (legacy
    // bridge's DEL fails on a netns whose masquerade chain was never made), the rest is found by its marks.
    const kind = record ? (record.conflist ?? 'legacy') : 'plain';
    const netnsGone = !(await netnsExists(name));
    let delError: Error | undefined;
    await this.runner
      .del(this.lists[kind], att, { portMappings: record?.portMappings ?? [] }, record?.result)
      .catch((err: unknown) => (delError = err instanceof Error ? err : new Error(String(err))));
    // Without the stored mappings portmap's DEL removes nothing; without its netns bridge's DEL cannot
    // see which masquerade rule was the container's. A plain attachment made neither.
    if (kind !== 'plain' || !record) await dropPortMappings(this.list.name, containerId);
    if ((netnsGone && kind === 'legacy') || !record) await dropMasquerade(this.list.name, containerId);
    if (delError) throw delError;
    await deleteNetns(name);
    if (record) await this.store.remove(namespace, id, this.hostsAfter(namespace));
  }

  /** A container's address on this network, once attached (the daemon reaches NATS and Prometheus by it). */
  async address(namespace: string, id: string): Promise<string | undefined> {
    const record = await this.store.find(namespace, id);
    return record?.state === 'attached' ? record.ip : undefined;
  }

  async records(namespace?: string): Promise<AttachmentRecord[]> {
    const all = await this.store.read();
    return namespace ? all.filter((r) => r.namespace === namespace) : all;
  }

  /** Whether a netns name (= CNI container ID) is this network's: its namespace is or starts with an owned one. */
  private owns(name: string): boolean {
    const owned = this.options.ownedNamespaces ?? [this.options.coreNamespace];
    const ns = namespaceOfNetns(name);
    if (ns !== undefined) return owned.some((n) => ns === n || ns.startsWith(`${n}-`));
    return owned.some((n) => name.startsWith(`${n}-`)); // a name from before the separator
  }

  /** What the plugins' leftover rules are checked against: every record, and host-local's allocations. */
  private async live(): Promise<LiveSet> {
    const records = await this.store.read();
    const ips = new Set(records.flatMap((r) => (r.ip ? [r.ip] : [])));
    const allocated = await readdir(join(this.options.ipamDataDir, this.options.name)).catch(() => []);
    for (const f of allocated) if (Address4.isValid(f)) ips.add(f);
    return { containerIds: new Set(records.map((r) => cniIdsOf(r).containerId)), ips };
  }

  /**
   * Removes attachments whose containers no longer exist, pending ones (a crash mid-ADD), netns of
   * owned namespaces that no record names, and plugin rules on this network no attachment owns.
   * Returns what it removed. `namespaces`: judge only these namespaces' attachments — another process
   * (or part of this one) may be creating a container in the others, its record pending or attached and
   * its container not made yet.
   */
  async reconcile(
    exists: (namespace: string, id: string) => Promise<boolean>,
    namespaces?: string[],
  ): Promise<string[]> {
    const removed: string[] = [];
    for (const r of await this.store.read()) {
      if (namespaces && !namespaces.includes(r.namespace)) continue;
      if (r.state === 'pending' || !(await exists(r.namespace, r.id))) {
        await this.detach(r.namespace, r.id);
        removed.push(`${r.namespace}/${r.id}`);
      }
    }
    const known = new Set((await this.store.read()).map((r) => cniIdsOf(r).netnsName));
    for (const name of await listNetns()) {
      if (known.has(name) || !this.owns(name)) continue;
      await this.runner
        .del(this.lists.plain, { containerId: name, netns: netnsPath(name), ifname: IFNAME })
        .catch(() => undefined);
      await dropPortMappings(this.list.name, name);
      await dropMasquerade(this.list.name, name);
      await deleteNetns(name);
      removed.push(`netns ${name}`);
    }
    removed.push(
      ...(await sweepRules(
        this.list.name,
        this.options.subnet,
        (id) => this.owns(id),
        () => this.live(),
      )),
    );
    return removed;
  }

  /**
   * The host rules every attachment relies on: the localnet guard, the subnet's masquerade and forward
   * rules. Under the store's lock, so processes attaching at once add them once.
   */
  private async checkRules(): Promise<void> {
    await this.store.withLock(async () => {
      await guardLocalnet(this.options.bridge);
      await ensureSubnetRules(this.options.bridge, this.options.subnet);
    });
    this.guardedAt = performance.now();
  }

  /**
   * Awaited only by a process's first attach (the daemons check at start, in prepareFiles). After that
   * at most every 10 s, in the background, so a flush by hand is repaired: the ~10 iptables calls under
   * the lock were a deploy's cost and serialised batches of deploys (issue #16).
   */
  private async ensureRules(): Promise<void> {
    if (this.guardedAt === -Infinity) return this.checkRules();
    if (this.recheck || performance.now() - this.guardedAt < GUARD_RECHECK_MS) return;
    this.recheck = this.checkRules()
      .catch(() => (this.guardedAt = -Infinity)) // the next attach checks again, and waits
      .then(() => (this.recheck = undefined));
  }

  /** Removes the bridge, its localnet guard and the subnet's rules (tests do; faasd keeps its bridge). */
  async removeBridge(): Promise<void> {
    await this.recheck;
    await execa('ip', ['link', 'del', this.options.bridge], { reject: false });
    await unguardLocalnet(this.options.bridge);
    await removeSubnetRules(this.options.bridge, this.options.subnet);
  }
}
