import { access, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/** Named network namespaces, made with iproute2 (`ip netns`), bind-mounted under /var/run/netns. */
export const NETNS_DIR = '/var/run/netns';

export function netnsName(namespace: string, id: string): string {
  return `${namespace}-${id}`;
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

export async function createNetns(name: string): Promise<string> {
  if (await netnsExists(name)) await deleteNetns(name);
  await execa('ip', ['netns', 'add', name]);
  return netnsPath(name);
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
