import { randomBytes } from 'node:crypto';
import { specOf, type Containerd } from '../containerd/index.js';
import { NotFoundError } from '../errors.js';

const SIGKILL = 9;
/**
 * Where a check's output goes. Without any, the exec's stdout and stderr are closed and a check that
 * prints fails on its first write (`cat` of a non-empty file, `wget -O -`: exit status 1), which a
 * docker health check does not. The shim copies a `file://` stream into the file.
 */
const DISCARD = 'file:///dev/null';

/** Runs a command inside a service's running container and gives its exit status; tests give a fake. */
export interface ProbeRunner {
  /** Exit status of `args` run in container `id`; -1 when it ran out of `timeoutMs` (it is killed). */
  run(id: string, args: string[], timeoutMs: number): Promise<number>;
}

/**
 * `tasks exec`, as docker runs a HEALTHCHECK: the container's own process spec (user, env, cwd,
 * capabilities) with the command's args, no terminal and no IO; the exec is always deleted after.
 */
export class ExecProbe implements ProbeRunner {
  constructor(private readonly c: Containerd) {}

  async run(id: string, args: string[], timeoutMs: number): Promise<number> {
    const container = await this.c.containers.get(id);
    const spec = container && specOf(container);
    if (!spec) throw new NotFoundError('container', id);
    const process = { ...(spec.process as Record<string, unknown>), args, terminal: false };
    const execId = `health-${randomBytes(6).toString('hex')}`;
    await this.c.tasks.exec({ containerId: id, execId, process, stdout: DISCARD, stderr: DISCARD });
    try {
      const ctl = new AbortController();
      const exited = this.c.tasks.wait(id, ctl.signal, execId);
      exited.catch(() => undefined);
      await this.c.tasks.start(id, execId);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
      const first = await Promise.race([exited, timedOut]).finally(() => clearTimeout(timer));
      if (first !== 'timeout') return first.exitStatus;
      await this.c.tasks.kill(id, SIGKILL, false, execId);
      // Killed: wait for it to be gone, bounded as well, before deleting it.
      const gone = setTimeout(() => ctl.abort(), 5_000);
      await exited.catch(() => undefined).finally(() => clearTimeout(gone));
      return -1;
    } finally {
      await this.c.tasks.deleteProcess(id, execId).catch(() => undefined);
    }
  }
}
