import { present, type Scope } from './scope.js';
import type { ExitStatus, Mount, ProcessInfo } from './types.js';
import { toDate } from './types.js';
import { isNotFound } from './errors.js';

export interface NewTask {
  containerId: string;
  rootfs: Mount[];
  /** `file:///abs/path` or another URI the shim understands; both streams may name the same file. */
  stdout: string;
  stderr: string;
}

/**
 * containerd 1.6 answers Get and List with `container_id` empty and the container's ID in `id` (a task's
 * init process is named after its container), so the client fills it in.
 */
function withContainerId(p: ProcessInfo): ProcessInfo {
  return p.containerId ? p : { ...p, containerId: p.id };
}

/** containerd's type for an exec's spec: an OCI runtime-spec Process, as JSON. */
export const PROCESS_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

export interface NewExec {
  containerId: string;
  /** Unique among the task's processes while it exists (containerd's identifier rules). */
  execId: string;
  /** The OCI Process: args, env, cwd, user, ... */
  process: object;
  /** Empty: the shim gives the process null IO. */
  stdout?: string;
  stderr?: string;
}

export class Tasks {
  constructor(private readonly scope: Scope) {}

  async create(t: NewTask): Promise<number> {
    const res = await this.scope.call('tasks', 'Create', {
      containerId: t.containerId,
      rootfs: t.rootfs,
      stdout: t.stdout,
      stderr: t.stderr,
    });
    return res.pid;
  }

  /** Starts the task, or with `execId` one of its exec processes. */
  async start(containerId: string, execId = ''): Promise<number> {
    const res = await this.scope.call('tasks', 'Start', { containerId, execId });
    return res.pid;
  }

  async get(containerId: string): Promise<ProcessInfo | undefined> {
    try {
      const res = await this.scope.call('tasks', 'Get', { containerId });
      return withContainerId(present(res.process, `the task of ${containerId}`));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list(): Promise<ProcessInfo[]> {
    const res = await this.scope.call('tasks', 'List', {});
    return res.tasks.map(withContainerId);
  }

  /** Signals the task's init process (and, with `all`, every process in it). Gone already: no error. */
  async kill(containerId: string, signal: number, all = false, execId = ''): Promise<void> {
    try {
      await this.scope.call('tasks', 'Kill', { containerId, execId, signal, all });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Resolves when the task exits; the call has no deadline unless the signal aborts it. */
  async wait(containerId: string, signal?: AbortSignal, execId = ''): Promise<ExitStatus> {
    const res = await this.scope.call(
      'tasks',
      'Wait',
      { containerId, execId },
      { timeoutMs: 365 * 24 * 3600 * 1000, signal },
    );
    return { exitStatus: res.exitStatus, exitedAt: toDate(res.exitedAt) };
  }

  /** Deletes a stopped task; returns its exit status, or undefined when there was none. */
  async delete(containerId: string): Promise<ExitStatus | undefined> {
    try {
      const res = await this.scope.call('tasks', 'Delete', { containerId });
      return { exitStatus: res.exitStatus, exitedAt: toDate(res.exitedAt) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Adds a process to a running task (not started yet: `start(containerId, execId)`). */
  async exec(e: NewExec): Promise<void> {
    await this.scope.call('tasks', 'Exec', {
      containerId: e.containerId,
      execId: e.execId,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
      // `type_url`: protobufjs's Any keeps the proto field name (see containers.ts).
      spec: { type_url: PROCESS_TYPE_URL, value: Buffer.from(JSON.stringify(e.process)) },
    });
  }

  /** Deletes an exited exec process; gone already: no error. */
  async deleteProcess(containerId: string, execId: string): Promise<void> {
    try {
      await this.scope.call('tasks', 'DeleteProcess', { containerId, execId });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
