import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * Named network namespaces, made with iproute2 (`ip netns`), bind-mounted under /var/run/netns. Not a
 * setting: iproute2 compiles the folder in (NETNS_RUN_DIR) and reads no override, so `ip netns add`
 * puts a netns there whatever we were told (the unused `netnsDir` setting was dropped for that reason).
 */
export const NETNS_DIR = '/var/run/netns';

/**
 * Between namespace and id in netns names and CNI container IDs. A containerd namespace is alphanumerics
 * joined by single '.', '_' or '-', so it never contains "--": the first "--" ends the namespace, and no
 * two (namespace, id) pairs share a name (issue #17 item 6: `probe-x-a`/`b` and `probe-x`/`a-b` did).
 * An id may contain "--" or '.' (a second replica's `name.1`).
 */
export const NAME_SEPARATOR = '--';
/** The container's interface in its netns. */
export const IFNAME = 'eth0';

export function netnsName(namespace: string, id: string): string {
  return `${namespace}${NAME_SEPARATOR}${id}`;
}

/** The namespace a netns name was made for: before the first separator (new names) or undefined. */
export function namespaceOfNetns(name: string): string | undefined {
  const at = name.indexOf(NAME_SEPARATOR);
  return at > 0 ? name.slice(0, at) : undefined;
}

export function netnsPath(name: string): string {
  return join(NETNS_DIR, name);
}

export async function netnsExists(name: string): Promise<boolean> {
  try {
    await access(netnsPath(name));
    return true;
  } catch {
    return false;
  }
}

/** A new, empty netns (one of the same name left from before is removed first). */
export async function createNetns(name: string): Promise<string> {
  if (await netnsExists(name)) await deleteNetns(name);
  await execa('ip', ['netns', 'add', name]);
  return netnsPath(name);
}

/**
 * argv running `command` in the named netns only. Not `ip -n NAME` / `ip netns exec`: those also
 * unshare a mount namespace (a copy of every host mount: a netns bind and a rootfs overlay per
 * container) and remount /sys in it, which took 17-19 ms against nsenter's 8-12 at 1,000 netns
 * (docs/field-notes.md, issue #16).
 */
export function inNetnsArgv(name: string, command: string[]): [string, string[]] {
  return ['nsenter', [`--net=${netnsPath(name)}`, ...command]];
}

/** The netns's loopback interface up, as CNI's loopback plugin's ADD does, without a Go binary's start. */
export async function loopbackUp(name: string): Promise<void> {
  await execa(...inNetnsArgv(name, ['ip', 'link', 'set', 'lo', 'up']));
}

/** Deleting a namespace that is gone succeeds. */
export async function deleteNetns(name: string): Promise<void> {
  if (!(await netnsExists(name))) return;
  await execa('ip', ['netns', 'delete', name]);
}

export async function listNetns(): Promise<string[]> {
  try {
    return await readdir(NETNS_DIR);
  } catch {
    return [];
  }
}
