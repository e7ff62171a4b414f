import { setTimeout as delay } from 'node:timers/promises';
import { Backoff, TaskWatcher, type DeadTask } from '../runtime/index.js';
import { errorMessage } from '../errors.js';
import type { ServiceSpec } from './compose.js';
import type { RestartPolicy } from './compose-health.js';
import { startOrder } from './order.js';
import { ServiceHealth } from './health.js';
import { awaitDependencies } from './dependencies.js';
import { reconcileServices } from './leftovers.js';
import { RESTARTS_LABEL, STARTED_AT_LABEL, serviceContainerSpec } from './service-container.js';
import type { ServiceContainerd, SupervisorDeps } from './supervisor-deps.js';

interface ServiceState {
  spec: ServiceSpec;
  backoff: Backoff;
  /** pending: not started yet; running: kept running; done: exited, and its restart policy keeps it down. */
  phase: 'pending' | 'running' | 'done';
  health: ServiceHealth | undefined;
  startedAt: number;
  /** Starts after the first, whatever the cause (an exit, `faasd service restart`). */
  restarts: number;
}

/** Compose's `restart:` for one exit; an unknown exit status (no task at all) counts as a failure. */
export function shouldRestart(policy: RestartPolicy = 'always', exitStatus: number | undefined): boolean {
  if (policy === 'no') return false;
  if (policy === 'on-failure') return exitStatus !== 0;
  // unless-stopped: nothing here stops a service but `faasd up` stopping, so it is always.
  return true;
}

/** Runs the compose services: start in dependency order, restart what dies, remove all on stop. */
export class Supervisor {
  private readonly order: ServiceSpec[];
  private readonly states = new Map<string, ServiceState>();
  private readonly ctl = new AbortController();
  /** Services whose running containers a previous run left and this one keeps (adopt.ts). */
  private adopted = new Set<string>();
  private stopping = false;
  private watcher: TaskWatcher | undefined;

  constructor(
    services: ServiceSpec[],
    private readonly d: SupervisorDeps,
  ) {
    this.order = startOrder(services);
    for (const s of this.order) {
      this.states.set(s.name, {
        spec: s,
        backoff: new Backoff({
          baseMs: d.restartDelayMs ?? 250,
          capMs: d.maxRestartDelayMs ?? 10_000,
          stableMs: d.stableAfterMs ?? 10_000,
        }),
        phase: 'pending',
        health: s.healthcheck && new ServiceHealth(s.name, s.healthcheck, d.probe, d.log),
        startedAt: 0,
        restarts: 0,
      });
    }
  }

  private get c(): ServiceContainerd {
    return this.d.ctd.inNamespace(this.d.namespace);
  }

  async up(): Promise<void> {
    await this.c.namespaces.ensure(this.d.namespace);
    this.adopted = await reconcileServices(this.d, this.c, this.order);
    for (const change of await this.d.network.prepareFiles(this.d.log))
      this.d.log.info('raised a host network limit for the subnet (neighbours, backlog)', { change });
    for (const s of this.order) await this.d.images.ensure(s.image);
    // Every network first, so the hosts file names every service before any task reads it.
    const fresh = this.order.filter((s) => !this.adopted.has(s.name));
    for (const s of fresh) await this.create(s);
    this.watcher = new TaskWatcher({
      events: this.d.ctd.events,
      namespaces: [this.d.namespace],
      recheck: () => this.notRunning(),
      onDead: (dead, signal) => this.onDead(dead, signal),
      log: this.d.log,
      ...(this.d.recheckIntervalMs !== undefined ? { recheckIntervalMs: this.d.recheckIntervalMs } : {}),
    });
    this.watcher.start();
    const waits = {
      c: this.c,
      log: this.d.log,
      health: (name: string) => this.states.get(name)?.health,
      signal: this.ctl.signal,
      completionTimeoutMs: this.d.completionTimeoutMs,
    };
    for (const s of this.order) {
      await awaitDependencies(waits, s);
      if (this.adopted.has(s.name)) this.keep(s.name);
      else await this.start(s.name);
    }
  }

  private async create(s: ServiceSpec): Promise<void> {
    const { ip } = await this.d.runtime.create(serviceContainerSpec(this.d.namespace, s));
    this.d.log.info('created service', { service: s.name, ip });
  }

  private async start(name: string, restart = false): Promise<void> {
    const st = this.states.get(name);
    if (st) await this.ensureAttached(st.spec);
    const running = await this.d.runtime.start(this.d.namespace, name);
    if (st) {
      st.phase = 'running';
      st.backoff.started();
      st.health?.begin();
      st.startedAt = Date.now();
      if (restart) st.restarts++;
      await this.label(name, st).catch((err: unknown) =>
        this.d.log.warn('cannot label service', { service: name, error: errorMessage(err) }),
      );
    }
    this.d.log.info('started service', { service: name, pid: running.pid, restarts: st?.restarts });
  }

  /**
   * A container whose network record is gone cannot start: the runtime restores a missing netns only
   * from its record, and runc refuses a netns path that does not exist. It is made again instead. The
   * record goes when another process's reconcile judges it between attach and container create (seen
   * with the split provider), or by hand; `faasd up` then exited 1 at its start, and a restart of the
   * service failed at every attempt.
   */
  private async ensureAttached(s: ServiceSpec): Promise<void> {
    if ((await this.d.network.address(this.d.namespace, s.name)) !== undefined) return;
    this.d.log.warn('service lost its network attachment; creating it again', { service: s.name });
    await this.d.runtime.remove(this.d.namespace, s.name, { keepLog: true, graceMs: 1000 });
    await this.create(s);
  }

  /** An adopted service (adopt.ts) runs already: watch it as if this run had started it. */
  private keep(name: string): void {
    const st = this.states.get(name);
    if (!st) return;
    st.phase = 'running';
    st.backoff.started();
    st.health?.begin();
  }

  /** Records restarts and the start time on the container (Update replaces the whole label map). */
  private async label(name: string, st: ServiceState): Promise<void> {
    const c = await this.c.containers.get(name);
    if (!c) return;
    await this.c.containers.setLabels(name, {
      ...c.labels,
      [RESTARTS_LABEL]: String(st.restarts),
      [STARTED_AT_LABEL]: new Date(st.startedAt).toISOString(),
    });
  }

  /** Services that should run and do not: one task list, so it is cheap to do often. */
  private async notRunning(): Promise<DeadTask[]> {
    const tasks = new Map((await this.c.tasks.list()).map((t) => [t.containerId, t]));
    const dead: DeadTask[] = [];
    for (const st of this.states.values()) {
      if (st.phase !== 'running') continue;
      const task = tasks.get(st.spec.name);
      if (task?.status === 'RUNNING') continue;
      dead.push({
        namespace: this.d.namespace,
        id: st.spec.name,
        exitStatus: task?.status === 'STOPPED' ? task.exitStatus : undefined,
        reason: task ? `task ${task.status.toLowerCase()}` : 'no task',
      });
    }
    return dead;
  }

  /**
   * A service's task died: restart it as its `restart:` says, after its backoff. A restart that fails
   * is logged; the next re-check reports the service again, and the backoff grows.
   */
  private async onDead(dead: DeadTask, signal: AbortSignal): Promise<void> {
    const st = this.states.get(dead.id);
    if (!st || st.phase !== 'running' || this.stopping) return;
    const name = st.spec.name;
    const reason = dead.reason === 'exit event' ? `exit status ${dead.exitStatus}` : dead.reason;
    // A stale report (an event or a task list from before the last restart): nothing to do. When
    // containerd cannot answer, go on to the delayed restart, which backs off.
    if (await this.isRunning(name).catch(() => false)) return;
    if (!shouldRestart(st.spec.restart, dead.exitStatus)) {
      st.phase = 'done';
      st.health?.end(`it exited (${reason}) and its restart policy is ${st.spec.restart ?? 'always'}`);
      this.d.log.info('service exited; not restarting', {
        service: name,
        reason,
        restart: st.spec.restart ?? 'always',
      });
      return;
    }
    const wait = st.backoff.next();
    this.d.log.warn('service exited; restarting', {
      service: name,
      reason,
      in_ms: wait,
      attempt: st.backoff.attempt,
    });
    await delay(wait, undefined, { signal }).catch(() => undefined);
    try {
      // Running again already: starting would stop it first.
      if (this.stopping || signal.aborted || (await this.isRunning(name))) return;
      if (!(await this.c.containers.get(name))) await this.create(st.spec);
      await this.start(name, true);
    } catch (err) {
      if (!this.stopping) this.d.log.error('restart failed', { service: name, error: errorMessage(err) });
    }
  }

  private async isRunning(name: string): Promise<boolean> {
    return (await this.c.tasks.get(name))?.status === 'RUNNING';
  }

  /** Stops services in reverse order (SIGTERM, grace, SIGKILL) and removes them and their networks. */
  async down(): Promise<void> {
    this.stopping = true;
    this.ctl.abort();
    for (const st of this.states.values()) st.health?.end('faasd up is stopping');
    await this.watcher?.stop();
    for (const s of [...this.order].reverse()) {
      try {
        await this.d.runtime.remove(this.d.namespace, s.name, {
          keepLog: true,
          graceMs: this.d.stopGraceMs,
        });
        this.d.log.info('removed service', { service: s.name });
      } catch (err) {
        this.d.log.error('remove failed', { service: s.name, error: errorMessage(err) });
      }
    }
  }
}
