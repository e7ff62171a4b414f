import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { pinBridgeAddress } from './bridge-mac.js';
import { guardLocalnet } from './localnet.js';

/** IFF_UP in /sys/class/net/DEV/flags. */
const IFF_UP = 0x1;

/** Whether the interface is administratively up (false when it is not there or unreadable). */
export async function linkIsUp(dev: string, sysfs = '/sys/class/net'): Promise<boolean> {
  const flags = await readFile(`${sysfs}/${dev}/flags`, 'utf8').catch(() => '');
  return (Number.parseInt(flags.trim(), 16) & IFF_UP) !== 0;
}

/**
 * Makes the bridge with its gateway address if it is not there yet (the bridge plugin would on the
 * first ADD), so the provider can listen on the gateway address before any container exists. On a
 * restart everything is there already: only what is missing is done (each `ip` spawned on the daemon's
 * busy start costs a fork), and the localnet guard is checked beside it.
 */
export async function ensureBridge(bridge: string, gateway: string, prefix: number): Promise<void> {
  const [link, guard] = await Promise.allSettled([
    ensureBridgeLink(bridge, gateway, prefix),
    guardLocalnet(bridge),
  ]);
  if (link.status === 'rejected') throw link.reason;
  if (guard.status === 'rejected') throw guard.reason;
}

async function ensureBridgeLink(bridge: string, gateway: string, prefix: number): Promise<void> {
  const show = await execa('ip', ['-o', '-4', 'addr', 'show', 'dev', bridge], { reject: false });
  if (show.exitCode !== 0) {
    const add = await execa('ip', ['link', 'add', 'name', bridge, 'type', 'bridge'], { reject: false });
    if (add.exitCode !== 0 && !/File exists/.test(add.stderr))
      throw new Error(`cannot create bridge ${bridge}: ${add.stderr}`);
  }
  if (!show.stdout.includes(` ${gateway}/`)) {
    const addr = await execa('ip', ['addr', 'add', `${gateway}/${prefix}`, 'dev', bridge], { reject: false });
    if (addr.exitCode !== 0 && !/File exists/.test(addr.stderr))
      throw new Error(`cannot address bridge ${bridge}: ${addr.stderr}`);
  }
  await pinBridgeAddress(bridge);
  if (!(await linkIsUp(bridge))) await execa('ip', ['link', 'set', bridge, 'up']);
}
