import { Address4 } from 'ip-address';

/**
 * What the CNI plugins leave per container in iptables, read from `iptables-save` of the nat and filter
 * tables. Only rules that name an address in `subnet` count (other stacks on the host share the chains),
 * and a rule is leaked when the address it names is held by no live container:
 * - the bridge plugin's masquerade: `-A POSTROUTING -s IP/32 ... -j CNI-<hex>` and that chain, whose
 *   rules name the subnet (`-d SUBNET -j ACCEPT`); a chain no live source jumps to is leaked;
 * - the firewall plugin's `CNI-FORWARD` accept rules (`-s IP/32` and `-d IP/32`);
 * - portmap's `CNI-DN-<hex>` DNAT rules (`--to-destination IP:PORT`).
 */
export interface IptablesLeaks {
  natChains: string[];
  forwardRules: string[];
  dnatRules: string[];
}

interface Rule {
  chain: string;
  text: string;
}

function rules(save: string): Rule[] {
  const out: Rule[] = [];
  for (const line of save.split('\n')) {
    const m = /^-A (\S+) (.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out.push({ chain: m[1], text: m[2] });
  }
  return out;
}

function chains(save: string): string[] {
  return save
    .split('\n')
    .map((l) => /^:(\S+) /.exec(l)?.[1])
    .filter((c): c is string => c !== undefined);
}

/** The IPv4 address of a `-s`/`-d` option given as a /32 (or bare) address, else undefined. */
function hostAddress(text: string, flag: '-s' | '-d'): string | undefined {
  const m = new RegExp(`(?:^| )${flag} (\\d+\\.\\d+\\.\\d+\\.\\d+)(?:/32)?(?: |$)`).exec(text);
  return m?.[1];
}

export function inSubnet(ip: string, subnet: string): boolean {
  return Address4.isValid(ip) && new Address4(ip).isInSubnet(new Address4(subnet));
}

export function iptablesLeaks(
  natSave: string,
  filterSave: string,
  subnet: string,
  liveIps: ReadonlySet<string>,
): IptablesLeaks {
  const nat = rules(natSave);
  const ours = (ip: string | undefined): ip is string => ip !== undefined && inSubnet(ip, subnet);
  const dead = (ip: string | undefined) => ours(ip) && !liveIps.has(ip);
  const network = new Address4(subnet).startAddress().correctForm();

  const masqChains = chains(natSave).filter(
    (c) =>
      /^CNI-[0-9a-f]+$/.test(c) &&
      nat.some((r) => r.chain === c && r.text.includes(`-d ${network}/${subnet.split('/')[1]}`)),
  );
  const liveTargets = new Set(
    nat
      .filter((r) => r.chain === 'POSTROUTING' && liveIps.has(hostAddress(r.text, '-s') ?? ''))
      .map((r) => / -j (CNI-[0-9a-f]+)$/.exec(r.text)?.[1]),
  );
  // A chain's jump from POSTROUTING cannot outlive the chain (iptables refuses), so chains say it all.
  const natChains = masqChains.filter((c) => !liveTargets.has(c)).map((c) => `nat chain ${c}`);

  const forwardRules = rules(filterSave)
    .filter((r) => r.chain === 'CNI-FORWARD')
    .filter((r) => dead(hostAddress(r.text, '-s')) || dead(hostAddress(r.text, '-d')))
    .map((r) => `CNI-FORWARD ${r.text}`);

  const dnatRules = nat
    .filter((r) => r.chain.startsWith('CNI-DN-'))
    .filter((r) => dead(/--to-destination (\d+\.\d+\.\d+\.\d+)/.exec(r.text)?.[1]))
    .map((r) => `${r.chain} ${r.text}`);

  return { natChains, forwardRules, dnatRules };
}
