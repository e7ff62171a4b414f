import { chainRules, deleteRule, dropChain, iptables } from './iptables.js';

/*
 * What bridge's ipMasq and the firewall plugin did per container, done once for the subnet (issue #16):
 * ipMasq made a nat chain and a POSTROUTING rule per container, firewall two FORWARD rules per address,
 * each ADD listing and rewriting those tables, and every forwarded packet walked 2N rules. faasd's own
 * network (openfaas/faasd pkg/cninetwork) runs bridge with ipMasq and firewall per container; this is
 * Docker's shape instead: one masquerade rule for the subnet, one forward chain for the bridge.
 */

/** Our forward chain for one bridge (iptables allows 28 characters; a bridge name has at most 15). */
export function forwardChain(bridge: string): string {
  return `FAASD-FW-${bridge}`;
}

/** Traffic from the subnet that leaves by another interface than the bridge goes out as the host. */
function masquerade(bridge: string, subnet: string): string[] {
  return [
    '-s',
    subnet,
    '!',
    '-o',
    bridge,
    '-m',
    'comment',
    '--comment',
    `faasd masquerade ${bridge}`,
    '-j',
    'MASQUERADE',
  ];
}

/** As the firewall plugin per address: out from the containers, and replies back in (a host whose FORWARD policy is DROP). */
function forwardRules(bridge: string, subnet: string): string[][] {
  return [
    ['-i', bridge, '-s', subnet, '-j', 'ACCEPT'],
    ['-o', bridge, '-d', subnet, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
}

async function ensure(
  table: 'nat' | 'filter',
  chain: string,
  rule: string[],
  insertFirst = false,
): Promise<void> {
  if (await iptables(table, ['-C', chain, ...rule])) return;
  const added = insertFirst
    ? await iptables(table, ['-I', chain, '1', ...rule])
    : await iptables(table, ['-A', chain, ...rule]);
  if (!added) throw new Error(`cannot add ${rule.join(' ')} to ${table} ${chain}`);
}

/** Installs the subnet's masquerade and forward rules; idempotent (checks before it adds). */
export async function ensureSubnetRules(bridge: string, subnet: string): Promise<void> {
  await ensure('nat', 'POSTROUTING', masquerade(bridge, subnet));
  const chain = forwardChain(bridge);
  await iptables('filter', ['-N', chain]); // exists already: fine
  for (const rule of forwardRules(bridge, subnet)) await ensure('filter', chain, rule);
  // First in FORWARD: a DROP or REJECT earlier in the chain (Docker's) would stop the packets.
  await ensure('filter', 'FORWARD', ['-j', chain], true);
}

/** Removes them (every copy of a rule, should two processes have raced to add it). */
export async function removeSubnetRules(bridge: string, subnet: string): Promise<void> {
  const masq = masquerade(bridge, subnet);
  for (let i = 0; i < 16 && (await iptables('nat', ['-D', 'POSTROUTING', ...masq])); i++);
  const chain = forwardChain(bridge);
  for (const words of await chainRules('filter', 'FORWARD'))
    if (words[words.length - 1] === chain) await deleteRule('filter', words);
  await dropChain('filter', chain);
}
