import { execa } from 'execa';

/**
 * Removes the bridge plugin's masquerade rule (nat POSTROUTING) and its chain for one CNI container ID.
 * The plugin finds what to remove through the container's interface, so its DEL leaves both behind when
 * the netns is already gone (someone deleted it; after a reboot iptables is empty anyway). The plugin
 * marks the rule with the comment `name: "<network>" id: "<container ID>"`.
 */
export async function dropMasquerade(network: string, containerId: string): Promise<string[]> {
  const comment = `name: "${network}" id: "${containerId}"`;
  const listed = await execa('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING'], { reject: false });
  if (listed.exitCode !== 0) return [];
  const marker = `--comment ${JSON.stringify(comment)} `;
  const dropped: string[] = [];
  for (const rule of listed.stdout.split('\n')) {
    if (!rule.includes(marker)) continue;
    const source = / -s (\S+) /.exec(rule)?.[1];
    const chain = / -j (CNI-[0-9a-f]+)$/.exec(rule)?.[1];
    if (!source || !chain) continue;
    const spec = ['-s', source, '-m', 'comment', '--comment', comment, '-j', chain];
    await execa('iptables', ['-w', '-t', 'nat', '-D', 'POSTROUTING', ...spec], { reject: false });
    await execa('iptables', ['-w', '-t', 'nat', '-F', chain], { reject: false });
    await execa('iptables', ['-w', '-t', 'nat', '-X', chain], { reject: false });
    dropped.push(chain);
  }
  return dropped;
}
