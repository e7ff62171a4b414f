import { Address4, Address6 } from 'ip-address';
import { InternalError } from '../errors.js';

/** The parts of a CNI result (spec 0.4.0 or 1.0.0) we keep: the container-side interface's address. */
export interface CniAddress {
  /** Address with prefix, e.g. 10.62.0.5/16. */
  cidr: string;
  ip: string;
  prefix: number;
  gateway: string | undefined;
  mac: string | undefined;
  ifname: string | undefined;
}

interface RawResult {
  cniVersion?: string;
  interfaces?: { name?: string; mac?: string; sandbox?: string }[];
  ips?: { version?: string; address?: string; gateway?: string; interface?: number }[];
}

function parseCidr(cidr: string): { ip: string; prefix: number } {
  if (Address4.isValid(cidr)) {
    const a = new Address4(cidr);
    return { ip: a.addressMinusSuffix ?? cidr.split('/')[0] ?? '', prefix: a.subnetMask };
  }
  if (Address6.isValid(cidr)) {
    const a = new Address6(cidr);
    return { ip: a.correctForm(), prefix: a.subnetMask };
  }
  throw new InternalError(`CNI result has an invalid address ${JSON.stringify(cidr)}`);
}

/** First address whose interface lives in the container (has a sandbox); IPv4 preferred. */
export function containerAddress(result: unknown): CniAddress {
  const r = result as RawResult;
  const ifaces = r.interfaces ?? [];
  const ips = (r.ips ?? []).filter((ip) => {
    if (!ip.address) return false;
    if (ip.interface === undefined) return true;
    return Boolean(ifaces[ip.interface]?.sandbox);
  });
  const chosen = ips.find((ip) => Address4.isValid(ip.address ?? '')) ?? ips[0];
  if (!chosen?.address) throw new InternalError('CNI result has no address for the container');
  const { ip, prefix } = parseCidr(chosen.address);
  const iface = chosen.interface !== undefined ? ifaces[chosen.interface] : undefined;
  return { cidr: chosen.address, ip, prefix, gateway: chosen.gateway, mac: iface?.mac, ifname: iface?.name };
}
