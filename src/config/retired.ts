/**
 * Settings faasd read once and reads no more. Set, each gets a one-line warning saying why, instead of
 * silence (the setting would look as if it worked) or a refusal (an upgrade would not start).
 */
const RETIRED: { key: string; env: string[]; why: string }[] = [
  {
    key: 'netnsDir',
    env: ['FAASD_NETNS_DIR'],
    why: 'network namespaces are always in /var/run/netns (iproute2 takes no other folder)',
  },
];

export const RETIRED_KEYS: ReadonlySet<string> = new Set(RETIRED.map((r) => r.key));

/** One message per retired setting found in the environment or the config file. */
export function retiredSettings(env: NodeJS.ProcessEnv, file: object): string[] {
  const found: string[] = [];
  for (const r of RETIRED) {
    for (const name of r.env)
      if (env[name] !== undefined && env[name] !== '') found.push(`${name} is no longer read: ${r.why}`);
    if (r.key in file) found.push(`config file setting ${r.key} is no longer read: ${r.why}`);
  }
  return found;
}
