import { setTimeout as delay } from 'node:timers/promises';
import type { TestContainerd } from '../test/helpers/containerd.js';
import { runFaasd, type FaasdProcess } from '../test/helpers/faasd-process.js';
import { pollUntil } from '../test/helpers/wait.js';

export type Target = 'provider' | 'up' | 'containerd';

/** One daemon as its service manager runs it: SIGKILLed by the bench, started again after a delay. */
export interface Daemon {
  readonly name: Target;
  kills: number;
  /** Exits the bench did not cause (the daemon died by itself), each with the tail of its output. */
  crashes: string[];
  /** False when there was nothing to kill (the daemon was down, waiting for its restart). */
  kill9(): Promise<boolean>;
  /** Resolves when the daemon runs and is ready again (bounded), after any pending restart. */
  ready(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A faasd process under a systemd-like manager (`Restart=on-failure`, `RestartSec`): the same command is
 * started again after `restartDelayMs` when it is killed or exits non-zero; at most `maxRestarts` times.
 */
export class FaasdDaemon implements Daemon {
  kills = 0;
  crashes: string[] = [];
  current: FaasdProcess | undefined;
  private restarts = 0;
  private stopping = false;
  private killing = false;
  private pending: Promise<void> | undefined;

  constructor(
    readonly name: 'provider' | 'up',
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly readyText: string,
    private readonly o: {
      bundle: boolean;
      restartDelayMs: number;
      maxRestarts: number;
      /** Also ready only when this answers true (e.g. the gateway's /healthz after `faasd up`). */
      probe?: () => Promise<boolean>;
    },
    /** Told about each new process (the stack's cleanup kills the one it knows). */
    private readonly onStart: (p: FaasdProcess) => void,
  ) {}

  start(): void {
    const p = runFaasd(this.args, this.env, { bundle: this.o.bundle });
    this.current = p;
    this.onStart(p);
    void p.exited.then((code) => this.exited(p, code));
  }

  private exited(p: FaasdProcess, code: number | null): void {
    if (this.stopping || p !== this.current) return;
    const ours = this.killing;
    this.killing = false;
    if (!ours) this.crashes.push(`exit ${code ?? p.proc.signalCode}: ${p.output().trim().slice(-600)}`);
    if (code === 0 && !ours) return; // on-failure: a clean exit stays down
    if (this.restarts >= this.o.maxRestarts) return;
    this.restarts++;
    this.pending = delay(this.o.restartDelayMs).then(() => {
      this.pending = undefined;
      if (!this.stopping) this.start();
    });
  }

  async kill9(): Promise<boolean> {
    const p = this.current;
    if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return false;
    this.kills++;
    this.killing = true;
    p.proc.kill('SIGKILL');
    await p.exited;
    return true;
  }

  async ready(timeoutMs: number): Promise<void> {
    const tail = () => this.current?.output().trim().slice(-1500) ?? '';
    await pollUntil(
      `${this.name} to run and be ready`,
      async () => {
        if (this.pending) return undefined;
        const p = this.current;
        if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return undefined;
        if (!p.output().includes(this.readyText)) return undefined;
        return !this.o.probe || (await this.o.probe()) ? true : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    ).catch((err: unknown) => {
      throw new Error(`${this.name} is not ready; its output ends: ${tail()}`, { cause: err });
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.pending;
    const p = this.current;
    if (!p || p.proc.exitCode !== null || p.proc.signalCode !== null) return;
    p.proc.kill('SIGTERM');
    const done = await Promise.race([p.exited.then(() => true), delay(30_000).then(() => false)]);
    if (!done) p.proc.kill('SIGKILL');
  }
}

/** The private containerd, killed and started again as its unit would (`Restart=always`). */
export class ContainerdDaemon implements Daemon {
  readonly name = 'containerd';
  kills = 0;
  crashes: string[] = [];
  private pending: Promise<void> | undefined;

  constructor(
    private readonly ctd: TestContainerd,
    private readonly restartDelayMs: number,
  ) {}

  async kill9(): Promise<boolean> {
    if (this.pending) return false;
    this.kills++;
    await this.ctd.kill9();
    this.pending = delay(this.restartDelayMs)
      .then(() => this.ctd.resume())
      .catch((err: unknown) => {
        this.crashes.push(`restart failed: ${String(err)}`);
      })
      .finally(() => {
        this.pending = undefined;
      });
    return true;
  }

  async ready(timeoutMs: number): Promise<void> {
    await pollUntil('containerd to be back', async () => (this.pending ? undefined : true), {
      timeoutMs,
      intervalMs: 100,
    });
    await pollUntil('containerd to answer', async () => (await this.ctd.client.version()).version, {
      timeoutMs,
    });
  }

  async stop(): Promise<void> {
    await this.pending;
  }
}
