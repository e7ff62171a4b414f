import { readFile } from 'node:fs/promises';
import { execa } from 'execa';

/** /sys/class/net/DEV/addr_assign_type: 3 = NET_ADDR_SET, an address someone chose. */
const ADDR_SET = '3';

/**
 * Fixes the bridge's MAC address to the one it has now. A Linux bridge whose address was never set
 * takes the lowest MAC of its ports and changes it whenever a port with a lower one joins or the lowest
 * leaves: each container's cached neighbour entry for the gateway then names a MAC the bridge no longer
 * answers to, and the container's replies to the host go nowhere until that entry goes stale (about a
 * minute: a request that "hangs" while another function's replica is added or removed). Setting the
 * address once stops the kernel from recalculating it, as Docker does for its bridges. True when the
 * address is fixed (now or before); false when the bridge is not there.
 */
export async function pinBridgeAddress(bridge: string, sysfs = '/sys/class/net'): Promise<boolean> {
  let type: string;
  let mac: string;
  try {
    type = (await readFile(`${sysfs}/${bridge}/addr_assign_type`, 'utf8')).trim();
    mac = (await readFile(`${sysfs}/${bridge}/address`, 'utf8')).trim();
  } catch {
    return false;
  }
  if (type === ADDR_SET) return true;
  await execa('ip', ['link', 'set', 'dev', bridge, 'address', mac]);
  return true;
}
