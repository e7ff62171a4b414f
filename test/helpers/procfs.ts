import { readFile } from 'node:fs/promises';

/** The parent of a host pid: a task's init process is the child of the shim that serves it. */
export async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}
