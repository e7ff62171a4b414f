import { setTimeout as delay } from 'node:timers/promises';
import type { Containerd } from '../containerd/index.js';
import type { RegistryClient } from '../image/index.js';
import type { ContainerRuntime } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceSpec } from './compose.js';
import { startOrder } from './order.js';
import { ensureImage } from './local-images.js';
import { SPEC_LABEL, adoptable, specHash } from './adopt.js';

export const SERVICE_LABEL = 'io.faasd.service';

export interface SupervisorDeps {
  ctd: Containerd;
  runtime: ContainerRuntime;
  network: CniNetwork;
  registry: RegistryClient;
  log: Logger;
  namespace: string;
  /** First restart delay; doubles per quick failure up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  stopGraceMs?: number;
  /**
   * How often to look at every task besides following exit events. containerd does not promise an
   * event: one can fall between a reconnect and the new subscription, and a shim restored after a
   * containerd restart retries its publish only a few times. Default 5 s.
   */
  recheckIntervalMs?: number;
}

interface ServiceState {
  spec: ServiceSpec;
  failures: number;
  startedAt: number;
  restarting: boolean;
}

/** Runs the compose services: start in dependency order, restart what dies, remove all on stop. */
export class Supervisor {
  private readonly order: ServiceSpec[];
  private readonly states = new Map<string, ServiceState>();
  private readonly ctl = new AbortController();
  /** Services whose running containers a previous run left and this one keeps (adopt.ts). */
  private readonly adopted = new Set<string>();
  private stopping = false;
  private monitorDone: Promise<void> = Promise.resolve();

  constructor(
    services: ServiceSpec[],
    private readonly d: SupervisorDeps,
  ) {
    this.order = startOrder(services);
    for (const s of this.order)
      this.states.set(s.name, { spec: s, failures: 0, startedAt: 0, restarting: false });
  }

  private get c(): Containerd {
    return this.d.ctd.inNamespace(this.d.namespace);
  }

  /** Removes what a previous run left (after a crash): our containers, then attachments without containers. */
  private async reconcile(): Promise<void> {
    const leftovers = await this.c.containers.list(`labels."${SERVICE_LABEL}"`);
    for (const c of leftovers) {
      const spec = this.states.get(c.id)?.spec;
      const task = spec ? await this.c.tasks.get(c.id) : undefined;
      const ip = task ? await this.d.network.address(this.d.namespace, c.id) : undefined;
      if (adoptable(c, spec, task?.status, ip)) {
        this.adopted.add(c.id);
        this.d.log.info('adopted running container', { service: c.id, pid: task?.pid, ip });
        continue;
      }
      this.d.log.info('removing leftover container', { namespace: this.d.namespace, container: c.id });
      await this.d.runtime.remove(this.d.namespace, c.id, { keepLog: true, graceMs: 1000 });
    }
    for (const s of this.order)
      if (!this.adopted.has(s.name))
        await this.d.runtime.remove(this.d.namespace, s.name, { keepLog: true, graceMs: 1000 });
    const removed = await this.d.network.reconcile(async (ns, id) =>
      Boolean(await this.d.ctd.inNamespace(ns).containers.get(id)),
    );
    for (const r of removed) this.d.log.info('reconciled network attachment', { attachment: r });
  }

  async up(): Promise<void> {
    await this.c.namespaces.ensure(this.d.namespace);
    await this.reconcile();
    await this.d.network.prepareFiles();
    for (const s of this.order) await ensureImage(this.c, this.d.registry, s.image, this.d.log);
    // Every network first, so the hosts file names every service before any task reads it.
    const fresh = this.order.filter((s) => !this.adopted.has(s.name));
    for (const s of fresh) await this.create(s);
    for (const s of fresh) await this.start(s.name);
    this.monitorDone = Promise.all([this.monitor(), this.sweep()]).then(() => undefined);
  }

  private async create(s: ServiceSpec): Promise<void> {
    const { ip } = await this.d.runtime.create({
      namespace: this.d.namespace,
      id: s.name,
      image: s.image,
      ...(s.entrypoint ? { entrypoint: s.entrypoint } : {}),
      ...(s.command ? { args: s.command } : {}),
      env: s.environment,
      ...(s.user ? { user: s.user } : {}),
      hostname: s.name,
      mounts: s.mounts,
      labels: { [SERVICE_LABEL]: s.name, [SPEC_LABEL]: specHash(s) },
      capAdd: s.capAdd,
      network: true,
      portMappings: s.ports,
    });
    this.d.log.info('created service', { service: s.name, ip });
  }

  private async start(name: string): Promise<void> {
    const running = await this.d.runtime.start(this.d.namespace, name);
    const st = this.states.get(name);
    if (st) st.startedAt = Date.now();
    this.d.log.info('started service', { service: name, pid: running.pid });
  }

  /** Restarts a dead service after a delay that grows while it keeps failing fast; one at a time. */
  private async restart(name: string, reason: string): Promise<void> {
    const st = this.states.get(name);
    if (!st || st.restarting || this.stopping) return;
    st.restarting = true;
    let failed = false;
    try {
      await this.restartAfterDelay(st, reason);
    } catch (err) {
      this.d.log.error('restart failed', { service: name, error: errorMessage(err) });
      failed = true;
    } finally {
      st.restarting = false;
    }
    if (failed && !this.stopping) void this.restart(name, 'restart failed');
  }

  private async restartAfterDelay(st: ServiceState, reason: string): Promise<void> {
    const name = st.spec.name;
    // A stale report (an event or a task list from before the last restart): nothing to do. When
    // containerd cannot answer, go on to the delayed restart, which backs off.
    if (await this.isRunning(name).catch(() => false)) return;
    if (Date.now() - st.startedAt > 10_000) st.failures = 0;
    const wait = Math.min(
      this.d.maxRestartDelayMs ?? 10_000,
      (this.d.restartDelayMs ?? 250) * 2 ** st.failures,
    );
    st.failures++;
    this.d.log.warn('service exited; restarting', {
      service: name,
      reason,
      in_ms: wait,
      attempt: st.failures,
    });
    await delay(wait, undefined, { signal: this.ctl.signal }).catch(() => undefined);
    // Running again already: starting would stop it first.
    if (this.stopping || (await this.isRunning(name))) return;
    if (!(await this.c.containers.get(name))) await this.create(st.spec);
    await this.start(name);
  }

  private async isRunning(name: string): Promise<boolean> {
    return (await this.c.tasks.get(name))?.status === 'RUNNING';
  }

  /** Restarts whatever should run and does not: one task list, so it is cheap to do often. */
  private async recheck(): Promise<void> {
    const tasks = new Map((await this.c.tasks.list()).map((t) => [t.containerId, t]));
    for (const s of this.order) {
      const task = tasks.get(s.name);
      if (task?.status !== 'RUNNING')
        void this.restart(s.name, task ? `task ${task.status.toLowerCase()}` : 'no task');
    }
  }

  /** The safety net under the events: re-checks every task on an interval until stopped. */
  private async sweep(): Promise<void> {
    const signal = this.ctl.signal;
    const every = this.d.recheckIntervalMs ?? 5_000;
    while (!signal.aborted) {
      await delay(every, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      // containerd away: the events loop reports it and rechecks on reconnect.
      await this.recheck().catch(() => undefined);
    }
  }

  /** Follows task-exit events; when containerd goes away, reconnects with backoff (for as long as it takes) and re-checks. */
  private async monitor(): Promise<void> {
    const signal = this.ctl.signal;
    let backoff = 200;
    while (!signal.aborted) {
      // One subscription per round, ended with the round: a re-check that fails must not leave it open.
      const round = new AbortController();
      const endRound = () => round.abort();
      signal.addEventListener('abort', endRound, { once: true });
      try {
        const events = this.d.ctd.events.subscribe(
          [`topic=="/tasks/exit",namespace==${this.d.namespace}`],
          round.signal,
        );
        await this.recheck();
        backoff = 200;
        for await (const ev of events) {
          if (ev.topic !== '/tasks/exit' || !ev.containerId || !this.states.has(ev.containerId)) continue;
          if ('exitStatus' in ev) void this.restart(ev.containerId, `exit status ${ev.exitStatus}`);
        }
        // A containerd restart can also end the stream cleanly.
        if (!signal.aborted) this.d.log.warn('containerd events ended; reconnecting', { in_ms: backoff });
      } catch (err) {
        if (signal.aborted) return;
        this.d.log.warn('lost containerd events; reconnecting', { error: errorMessage(err), in_ms: backoff });
      } finally {
        signal.removeEventListener('abort', endRound);
        round.abort();
      }
      await delay(backoff, undefined, { signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, 5_000);
    }
  }

  /** Stops services in reverse order (SIGTERM, grace, SIGKILL) and removes them and their networks. */
  async down(): Promise<void> {
    this.stopping = true;
    this.ctl.abort();
    await this.monitorDone;
    for (const s of [...this.order].reverse()) {
      try {
        await this.d.runtime.remove(this.d.namespace, s.name, {
          keepLog: true,
          graceMs: this.d.stopGraceMs ?? 5_000,
        });
        this.d.log.info('removed service', { service: s.name });
      } catch (err) {
        this.d.log.error('remove failed', { service: s.name, error: errorMessage(err) });
      }
    }
  }
}
