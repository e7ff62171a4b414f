import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostsFile, ipamStoreFile, resolvConfFile } from '../config/index.js';
import { execa } from 'execa';
import type { BindMount } from '../containerd/index.js';
import type { Attachment, NetworkAttacher, PortMapping } from '../runtime/index.js';
import { CniRunner, type CniAttachment, type NetworkList } from './cni.js';
import { attachedRecord, pendingRecord } from './attach-records.js';
import { ranNoPlugin } from './cni-errors.js';
import { gatewayOf, renderConflist, type ConflistKind, type NetworkSettings } from './conflist.js';
import { HostRulesGuard } from './rules-guard.js';
import { IpamStore, cniIdsOf, type AttachmentRecord } from './ipam-store.js';
import { deleteNetns, IFNAME, netnsExists, netnsName, netnsPath } from './netns.js';
import { reconcileAttachments } from './network-reconcile.js';
import { renderHosts } from './hosts-file.js';
import { writeInPlace } from '../fs.js';
import type { Logger } from '../log.js';
import { errorMessage } from '../errors.js';
import { ensureKernelRoom } from './neighbours.js';
import { pinBridgeAddress } from './bridge-mac.js';
import { containerResolvConf } from './dns.js';
import { Split, type AttachSplit } from './split.js';
import { AttachSplits } from './attach-splits.js';
import { NetnsPool, poolNamespace } from './netns-pool.js';
import { addAttachment } from './attach-add.js';
import { removeAttachment } from './attach-del.js';
import { AddressRange, AddressesExhaustedError } from './ipam-alloc.js';

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
  /** The records' namespace of pooled netns (netns-pool.ts); default beside the core namespace. */
  poolNamespace?: string;
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
  /** The addresses attaches reserve in the store's journal (ipam-alloc.ts). */
  readonly range: AddressRange;
  /** Where each recent attach's time went (ms per phase and plugin), taken once by the deploy's log line. */
  private readonly attachSplits = new AttachSplits();
  /** Netns attached ahead for functions; idle until the process that creates functions starts it (pool.start). */
  readonly pool: NetnsPool;
  private readonly rules: HostRulesGuard;
  private bridgePinned = false;
  private rulesBegun = false;

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
    this.range = new AddressRange(options.subnet);
    this.rules = new HostRulesGuard(options.bridge, options.subnet, this.store);
    this.pool = new NetnsPool(
      {
        store: this.store,
        attachPlain: (namespace, id) => this.attachAs(namespace, id, netnsName(namespace, id), []),
        detach: (namespace, id) => this.detach(namespace, id),
      },
      options.poolNamespace ?? poolNamespace(options.coreNamespace),
    );
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
   * the host's neighbour table and packet backlog for every address of the subnet (neighbours.ts).
   * Returns what it changed on the host.
   * The subnet's host rules are checked in the background (rules-guard.ts): the first attach waits.
   */
  async prepareFiles(log?: Pick<Logger, 'warn'>): Promise<string[]> {
    const changed = await ensureKernelRoom(this.prefix).catch(() => []);
    await mkdir(dirname(this.hostsPath), { recursive: true });
    await writeInPlace(this.resolvPath, await containerResolvConf(this.options.dns));
    await this.store.withLock(async () => this.writeHosts(await this.store.read()));
    // Once per process: `faasd up` prepares the network and its core's supervisor prepares it again
    // (~9 iptables spawns a check); attaches re-check every 10 s anyway (rules-guard.ts).
    if (!this.rulesBegun) {
      this.rulesBegun = true;
      this.rules.begin((err) =>
        log?.warn('host rules check failed; the first attach checks again', { error: errorMessage(err) }),
      );
    }
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
   * Gives the container a netns on the bridge: a function (no port mappings) takes a pooled one when
   * one is ready, with the netns name it was made under. Idempotent: a stale attachment of the same
   * id is removed first. A pending record is stored before ADD, so a crash mid-ADD is found by reconcile.
   */
  async attach(
    namespace: string,
    id: string,
    opts: { portMappings?: PortMapping[] } = {},
  ): Promise<Attachment> {
    const portMappings = opts.portMappings ?? [];
    this.pool.busy();
    const split = new Split();
    if (await this.store.find(namespace, id)) await this.detach(namespace, id);
    if (portMappings.length === 0 && namespace !== this.options.coreNamespace && this.pool.takeable) {
      const taken = await this.pool.take(namespace, id);
      split.lap('pool');
      if (taken) return (this.attachSplits.set(namespace, id, split.done()), taken);
    }
    return this.attachAs(namespace, id, netnsName(namespace, id), portMappings, split);
  }

  /**
   * Attaches under `name` (netns name and CNI container ID): a restore keeps the name it had. The
   * caller has removed any earlier attachment of (namespace, id).
   */
  private async attachAs(
    namespace: string,
    id: string,
    name: string,
    portMappings: PortMapping[],
    split = new Split(),
  ): Promise<Attachment> {
    const att: CniAttachment = { containerId: name, netns: netnsPath(name), ifname: IFNAME };
    const pending = pendingRecord(namespace, id, name, portMappings);
    const conflist = pending.conflist ?? 'plain';
    try {
      const { result, reserved } = await addAttachment(
        {
          store: this.store,
          runner: this.runner,
          list: this.lists[conflist],
          range: this.range,
          rulesOf: this.list.name,
        },
        pending,
        att,
        split,
      );
      // The bridge plugin made the bridge on the first ADD if nothing else did: fix its MAC before more
      // ports join (bridge-mac.ts). Once per process; a sysfs read when it is fixed already.
      if (!this.bridgePinned) this.bridgePinned = await pinBridgeAddress(this.options.bridge);
      await this.rules.ensure();
      split.lap('rules');
      const done = attachedRecord(reserved, result);
      await this.store.put(done, this.hostsAfter(namespace));
      split.lap('store2');
      this.attachSplits.set(namespace, id, split.done());
      return { netnsPath: att.netns, ip: done.ip ?? '' };
    } catch (err) {
      // No plugin ran when the first is not installed (its DEL would fail too, and keep the record), nor
      // when no address was free (nothing was stored).
      await (
        err instanceof AddressesExhaustedError || ranNoPlugin(err, this.lists[conflist])
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
    await this.detach(namespace, id); // DEL with the stored result: frees the old address and rules
    await this.attachAs(namespace, id, name, record.portMappings ?? []);
    return true;
  }

  /** Where the container's last attach spent its time, once; undefined when not known. */
  takeAttachSplit(namespace: string, id: string): AttachSplit | undefined {
    return this.attachSplits.take(namespace, id);
  }

  /** CNI DEL, netns removal, record removal. Detaching what is already gone succeeds. */
  async detach(namespace: string, id: string): Promise<void> {
    const record = await this.store.find(namespace, id);
    await removeAttachment({ runner: this.runner, lists: this.lists }, namespace, id, record);
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

  /**
   * Removes attachments whose containers no longer exist, pending ones, orphaned netns and leftover
   * plugin rules (network-reconcile.ts). `namespaces`: judge only these namespaces' attachments.
   */
  async reconcile(
    exists: (namespace: string, id: string) => Promise<boolean>,
    namespaces?: string[],
  ): Promise<string[]> {
    return reconcileAttachments(
      {
        store: this.store,
        runner: this.runner,
        lists: this.lists,
        subnet: this.options.subnet,
        ipamDir: join(this.options.ipamDataDir, this.options.name),
        owned: this.options.ownedNamespaces ?? [this.options.coreNamespace],
        detach: (namespace, id) => this.detach(namespace, id),
      },
      exists,
      namespaces,
    );
  }

  /** Removes the bridge, its localnet guard and the subnet's rules (tests do; faasd keeps its bridge). */
  async removeBridge(): Promise<void> {
    await this.pool.clear(); // a refill's ADD after this would make the bridge again
    await execa('ip', ['link', 'del', this.options.bridge], { reject: false });
    await this.rules.remove();
  }
}
