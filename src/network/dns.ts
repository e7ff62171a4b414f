import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.js';
import { deriveResolvConf } from './hosts-file.js';

/**
 * Nameservers from `--dns 1.1.1.1,9.9.9.9`, FAASD_DNS or the config file: IP addresses only (a name
 * would need a resolver to find the resolver). Blank entries are dropped; duplicates kept once.
 */
export function parseDnsServers(field: string, raw: string | string[]): string[] {
  const list = (Array.isArray(raw) ? raw : raw.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const s of list)
    if (isIP(s) === 0)
      throw new InvalidArgumentError(field, `${field} ${JSON.stringify(s)} is not an IPv4 or IPv6 address`);
  return [...new Set(list)];
}

/** The host's resolv.conf with its nameserver lines replaced by `servers` (search and options kept). */
export function withNameservers(hostResolvConf: string, servers: string[]): string {
  const kept = hostResolvConf.split('\n').filter((l) => l.trim() !== '' && !/^\s*nameserver\s/.test(l));
  return [...servers.map((s) => `nameserver ${s}`), ...kept].join('\n') + '\n';
}

/** The containers' resolv.conf: the host's (hosts-file.ts), or its with `servers` as nameservers. */
export async function containerResolvConf(servers: string[] | undefined): Promise<string> {
  const host = await deriveResolvConf();
  return servers?.length ? withNameservers(host, servers) : host;
}
