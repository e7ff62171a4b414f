import { chainRules, dropChain, deleteRule, iptables } from './iptables.js';

/**
 * portmap sets route_localnet=1 on the bridge so 127.0.0.1:HOSTPORT reaches a container; with it, a
 * function holding CAP_NET_RAW can send to the host's 127.0.0.0/8 services through the bridge
 * (CVE-2020-8558). As kube-proxy does, drop what arrives from the bridge for 127.0.0.0/8 unless it
 * belongs to a connection already made or is port-mapped (DNAT'ed) traffic.
 */
const GUARD = [
  '-d',
  '127.0.0.0/8',
  '-m',
  'conntrack',
  '!',
  '--ctstate',
  'RELATED,ESTABLISHED,DNAT',
  '-j',
  'DROP',
];

/** Our chain for one bridge (iptables allows 28 characters; a bridge name has at most 15). */
export function localnetChain(bridge: string): string {
  return `FAASD-LN-${bridge}`;
}

function jump(bridge: string): string[] {
  return ['-i', bridge, '-d', '127.0.0.0/8', '-j', localnetChain(bridge)];
}

/** Installs the guard for a bridge; idempotent (checks before it adds). */
export async function guardLocalnet(bridge: string): Promise<void> {
  const chain = localnetChain(bridge);
  await iptables('filter', ['-N', chain]); // exists already: fine
  if (
    !(await iptables('filter', ['-C', chain, ...GUARD])) &&
    !(await iptables('filter', ['-A', chain, ...GUARD]))
  )
    throw new Error(`cannot add the localnet guard to ${chain}`);
  // First in INPUT: an ACCEPT earlier in the chain would let the packets through.
  if (
    !(await iptables('filter', ['-C', 'INPUT', ...jump(bridge)])) &&
    !(await iptables('filter', ['-I', 'INPUT', '1', ...jump(bridge)]))
  )
    throw new Error(`cannot add the localnet guard for ${bridge} to INPUT`);
}

/** Removes the guard (every copy of the jump, should two processes have raced to add it). */
export async function unguardLocalnet(bridge: string): Promise<void> {
  const chain = localnetChain(bridge);
  for (const words of await chainRules('filter', 'INPUT')) {
    if (words[words.length - 1] === chain) await deleteRule('filter', words);
  }
  await dropChain('filter', chain);
}
