import { Address4 } from 'ip-address';
import { FaasdError, InvalidArgumentError } from '../errors.js';

/** Every address of the subnet is held: nothing changed; a delete frees one. */
export class AddressesExhaustedError extends FaasdError {
  constructor(
    readonly subnet: string,
    readonly held: number,
  ) {
    super(
      'unavailable',
      `subnet ${subnet} has no free address (${held} held): remove a function or use a larger subnet`,
    );
  }
}

/** An IPv4 address as a number (0 .. 2^32-1); the caller has checked it is one. */
function toInt(ip: string): number {
  let n = 0;
  for (const part of ip.split('.')) n = n * 256 + Number(part);
  return n;
}

function toIp(n: number): string {
  return `${Math.floor(n / 16777216) % 256}.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}`;
}

/**
 * The addresses the faasd network hands out, chosen from our own journal and given to the bridge
 * plugin through the `static` IPAM plugin (issue #16: host-local reads its whole data dir on every
 * ADD). The same range as host-local's default: the subnet's hosts after the gateway (its first
 * host, the bridge's address) up to the one before broadcast. Round robin as host-local does: the
 * next free address after the last one handed out, so a freed address is not reused at once (the
 * host's neighbour entry and conntrack may still name the old container's MAC).
 */
export class AddressRange {
  readonly prefix: number;
  readonly gateway: string;
  private readonly first: number;
  private readonly last: number;

  constructor(readonly subnet: string) {
    if (!Address4.isValid(subnet) || !subnet.includes('/'))
      throw new InvalidArgumentError('subnet', `subnet ${JSON.stringify(subnet)} is not an IPv4 CIDR`);
    const a = new Address4(subnet);
    this.prefix = a.subnetMask;
    const network = toInt(a.startAddress().correctForm());
    const broadcast = toInt(a.endAddress().correctForm());
    this.gateway = toIp(network + 1);
    this.first = network + 2;
    this.last = broadcast - 1;
  }

  /** How many addresses the range holds. */
  get size(): number {
    return Math.max(0, this.last - this.first + 1);
  }

  /** Whether `ip` is one this range hands out. */
  contains(ip: string): boolean {
    if (!Address4.isValid(ip) || ip.includes('/')) return false;
    const n = toInt(ip);
    return n >= this.first && n <= this.last;
  }

  /**
   * The first address after `after` (wrapping at the end) that `held` does not name. `after`: the
   * last address handed out; undefined, or outside the range (the subnet changed), starts at the
   * beginning. At most one pass over the range, and only while addresses are held.
   */
  next(held: ReadonlySet<string>, after: string | undefined): string {
    const size = this.size;
    const start = after !== undefined && this.contains(after) ? toInt(after) - this.first + 1 : 0;
    for (let i = 0; i < size; i++) {
      const ip = toIp(this.first + ((start + i) % size));
      if (!held.has(ip)) return ip;
    }
    throw new AddressesExhaustedError(this.subnet, held.size);
  }
}
