import { execa } from 'execa';
import { pinBridgeAddress } from './bridge-mac.js';
import { guardLocalnet } from './localnet.js';

/**
 * Makes the bridge with its gateway address if it is not there yet (the bridge plugin would on the
 * first ADD), so the provider can listen on the gateway address before any container exists.
 */
export async function ensureBridge(bridge: string, gateway: string, prefix: number): Promise<void> {
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
  await execa('ip', ['link', 'set', bridge, 'up']);
  await guardLocalnet(bridge);
}
