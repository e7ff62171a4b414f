import { readFile } from 'node:fs/promises';
import type { AttachmentRecord } from './ipam-store.js';

/**
 * /etc/hosts for containers: localhost, `faasd-provider` at the bridge gateway (where the provider
 * listens), and every core service by name. `gateway` is the bridge gateway too (the daemon's gateway
 * listens there) unless a core service is named `gateway` (the upstream gateway, or ours in a
 * container): then that container. Functions are not listed: the gateway finds them through the provider.
 */
export function renderHosts(
  records: AttachmentRecord[],
  coreNamespace: string,
  gateway: string | undefined,
): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback'];
  if (gateway) lines.push(`${gateway}\tfaasd-provider`);
  const core = records
    .filter((r) => r.namespace === coreNamespace && r.state === 'attached' && r.ip)
    .sort((a, b) => a.id.localeCompare(b.id));
  if (gateway && !core.some((r) => r.id === 'gateway')) lines.push(`${gateway}\tgateway`);
  for (const r of core) lines.push(`${r.ip}\t${r.id}`);
  return lines.join('\n') + '\n';
}

function isLoopbackNameserver(line: string): boolean {
  const m = /^\s*nameserver\s+(\S+)/.exec(line);
  if (!m?.[1]) return false;
  return m[1].startsWith('127.') || m[1] === '::1';
}

/**
 * resolv.conf for containers from the host's: loopback nameservers cannot be reached from a container,
 * so they are dropped; when that leaves none (systemd-resolved's 127.0.0.53 stub), its upstream file is used.
 */
export async function deriveResolvConf(
  hostFile = '/etc/resolv.conf',
  resolvedUpstream = '/run/systemd/resolve/resolv.conf',
): Promise<string> {
  const read = async (p: string) => (await readFile(p, 'utf8').catch(() => '')).split('\n');
  let lines = await read(hostFile);
  const hasUsable = (ls: string[]) => ls.some((l) => /^\s*nameserver\s/.test(l) && !isLoopbackNameserver(l));
  if (!hasUsable(lines)) {
    const upstream = await read(resolvedUpstream);
    if (hasUsable(upstream)) lines = upstream;
  }
  const kept = lines.filter((l) => !isLoopbackNameserver(l) && l.trim() !== '' && !l.trim().startsWith('#'));
  return kept.join('\n') + '\n';
}
