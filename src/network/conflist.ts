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
