import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { seaAssetDir } from '../assets.js';
import { Address4 } from 'ip-address';
import { InvalidArgumentError } from '../errors.js';
import type { NetworkList } from './cni.js';

export interface NetworkSettings {
  /** CNI network name; host-local keeps its state under `<ipamDataDir>/<name>`. */
  name: string;
  bridge: string;
  subnet: string;
  ipamDataDir: string;
}

function templatePath(file: string): string {
  const sea = seaAssetDir();
  if (sea) return join(sea, 'cni-conf', file);
  // cni-conf/ sits at the repository root; dist/ gets a copy (scripts/build.mjs).
  for (const rel of [`../../cni-conf/${file}`, `../cni-conf/${file}`]) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    try {
      readFileSync(p);
      return p;
    } catch {
      // try the next layout
    }
  }
  throw new Error(`CNI template ${file} is missing from this installation`);
}

/**
 * Which conflist an attachment was made with; DEL must use the same one. `legacy` (records without the
 * field): bridge with ipMasq, firewall and portmap, as every attach used before issue #16. `plain`
 * (no port mappings: functions) is bridge alone; `ports` adds portmap. Masquerade and forwarding for
 * those two are one set of subnet-wide rules (subnet-rules.ts) instead of rules per container.
 * `legacy` keeps host-local as its IPAM; `plain` and `ports` take `static`, the address filled in per
 * attachment (withAddress), and are given host-local again to DEL records host-local made (withHostLocal).
 */
export type ConflistKind = 'legacy' | 'plain' | 'ports';

const TEMPLATES: Record<ConflistKind, string> = {
  legacy: 'faasd.conflist.json',
  plain: 'faasd-plain.conflist.json',
  ports: 'faasd-ports.conflist.json',
};

/** Renders a cni-conf/ template (the legacy one by default) with the configured bridge, subnet and names. */
export function renderConflist(s: NetworkSettings, kind: ConflistKind = 'legacy'): NetworkList {
  const text = readFileSync(templatePath(TEMPLATES[kind]), 'utf8').replace(
    /\{\{(\w+)\}\}/g,
    (_, key: string) => {
      const v = (s as unknown as Record<string, string>)[key];
      if (v === undefined) throw new Error(`CNI template names unknown setting ${key}`);
      return v;
    },
  );
  return JSON.parse(text) as NetworkList;
}

/** The first host address of the subnet: the bridge's own address with `isGateway`. */
export function gatewayOf(subnet: string): string {
  if (!Address4.isValid(subnet))
    throw new InvalidArgumentError('subnet', `subnet ${JSON.stringify(subnet)} is not an IPv4 CIDR`);
  const a = new Address4(subnet);
  const start = a.startAddress().bigInt() + 1n;
  return Address4.fromBigInt(start).correctForm();
}

/** The bridge plugin's IPAM section of a list (the first plugin is bridge in every template). */
function withIpam(list: NetworkList, ipam: Record<string, unknown>): NetworkList {
  const [bridge, ...rest] = list.plugins;
  if (bridge?.type !== 'bridge') throw new Error(`CNI list ${list.name} does not start with bridge`);
  return { ...list, plugins: [{ ...bridge, ipam }, ...rest] };
}

/**
 * A `static` list with one address for the container: what ADD and DEL of a record reserved in our
 * journal are given (static's DEL frees nothing; bridge's only needs the IPAM type).
 */
export function withAddress(list: NetworkList, ip: string, prefix: number, gateway: string): NetworkList {
  const ipam = list.plugins[0]?.ipam as Record<string, unknown> | undefined;
  return withIpam(list, { ...ipam, addresses: [{ address: `${ip}/${prefix}`, gateway }] });
}

/** `list` with the legacy list's host-local IPAM: DEL of a plain or ports record made before `static`. */
export function withHostLocal(list: NetworkList, legacy: NetworkList): NetworkList {
  return withIpam(list, legacy.plugins[0]?.ipam as Record<string, unknown>);
}
