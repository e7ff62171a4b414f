import { Address4 } from 'ip-address';
import { chainRules, commentOf, deleteRule, dropChain, targetOf, type Table } from './iptables.js';

/*
 * The reference plugins undo their iptables rules only when DEL gets what ADD had: bridge needs the
 * netns to learn the container's address, portmap needs runtimeConfig.portMappings, firewall needs
 * prevResult. When a netns was deleted by hand or a record was lost to a crash or a race, those rules
 * stay, and a stale portmap DNAT rule for the same container ID sits ahead of the new one (issue #17
 * items 12 and 15). These find the rules by the marks the plugins leave instead.
 */

interface Marked {
  table: Table;
  words: string[];
  /** The CNI container ID the rule's comment names. */
  containerId: string;
  chain: string | undefined;
}

/** Rules of `chain` whose comment is `<prefix>name: "<network>" id: "<container ID>"`. */
async function markedRules(table: Table, chain: string, prefix: string, network: string): Promise<Marked[]> {
  const head = `${prefix}name: ${JSON.stringify(network)} id: "`;
  const found: Marked[] = [];
  for (const words of await chainRules(table, chain)) {
    const comment = commentOf(words);
    if (!comment?.startsWith(head) || !comment.endsWith('"')) continue;
    found.push({ table, words, containerId: comment.slice(head.length, -1), chain: targetOf(words) });
  }
  return found;
}

/** portmap's jumps from CNI-HOSTPORT-DNAT to its per-container CNI-DN-… chains. */
const portmapRules = (network: string) => markedRules('nat', 'CNI-HOSTPORT-DNAT', 'dnat ', network);
/** bridge's ipMasq rules in nat POSTROUTING to its per-container CNI-… chains. */
const masqueradeRules = (network: string) => markedRules('nat', 'POSTROUTING', '', network);

async function drop(rules: Marked[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const r of rules) {
    await deleteRule(r.table, r.words);
    if (r.chain?.startsWith('CNI-')) {
      await dropChain(r.table, r.chain);
      dropped.push(r.chain);
    }
  }
  return dropped;
}

/** Removes one container's port mappings (portmap's DNAT chain) whatever DEL was or was not given. */
export async function dropPortMappings(network: string, containerId: string): Promise<string[]> {
  return drop((await portmapRules(network)).filter((r) => r.containerId === containerId));
}

/** Removes one container's masquerade rule and chain (bridge's DEL leaves them without the netns). */
export async function dropMasquerade(network: string, containerId: string): Promise<string[]> {
  return drop((await masqueradeRules(network)).filter((r) => r.containerId === containerId));
}

/** The firewall plugin's per-address ACCEPT rules: `-d IP/32 -m conntrack --ctstate … -j ACCEPT`, `-s IP/32 -j ACCEPT`. */
function firewallAddress(words: string[]): string | undefined {
  const [, , flag, cidr] = words;
  if ((flag !== '-d' && flag !== '-s') || !cidr?.endsWith('/32') || targetOf(words) !== 'ACCEPT')
    return undefined;
  const shape = words.slice(4, -2).join(' ');
  if (shape !== '' && shape !== '-m conntrack --ctstate RELATED,ESTABLISHED') return undefined;
  return cidr.slice(0, -3);
}

export interface LiveSet {
  /** CNI container IDs of every record (pending ones too: their ADD may be under way). */
  containerIds: Set<string>;
  /** Addresses held by a record or allocated by host-local. */
  ips: Set<string>;
}

/**
 * Removes the plugins' rules on this network that no live attachment owns: portmap and masquerade
 * rules by their comment, for container IDs `ours` accepts (several stacks on one host share the
 * network name; their namespaces differ), firewall ACCEPT rules by address inside `subnet`.
 * `live` is read after the rules are listed, so an ADD under way (its record is written first) is kept.
 */
export async function sweepRules(
  network: string,
  subnet: string,
  ours: (containerId: string) => boolean,
  live: () => Promise<LiveSet>,
): Promise<string[]> {
  const portmaps = (await portmapRules(network)).filter((r) => ours(r.containerId));
  const masquerades = (await masqueradeRules(network)).filter((r) => ours(r.containerId));
  const net = new Address4(subnet);
  const forward: { table: Table; words: string[]; ip: string }[] = [];
  for (const chain of ['CNI-FORWARD', 'CNI-ADMIN']) {
    for (const words of await chainRules('filter', chain)) {
      const ip = firewallAddress(words);
      if (ip && Address4.isValid(ip) && new Address4(ip).isInSubnet(net))
        forward.push({ table: 'filter', words, ip });
    }
  }
  const { containerIds, ips } = await live();
  const removed: string[] = [];
  for (const c of await drop(portmaps.filter((r) => !containerIds.has(r.containerId))))
    removed.push(`portmap ${c}`);
  for (const c of await drop(masquerades.filter((r) => !containerIds.has(r.containerId))))
    removed.push(`masquerade ${c}`);
  for (const r of forward.filter((f) => !ips.has(f.ip))) {
    if (await deleteRule(r.table, r.words)) removed.push(`firewall ${r.words.slice(1).join(' ')}`);
  }
  return removed;
}
