import { randomBytes } from 'node:crypto';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { Attachment } from '../runtime/index.js';
import type { IpamStore } from './ipam-store.js';

/** The most entries a pool keeps: each holds an address and a bridge port while nobody uses it. */
export const MAX_POOL_SIZE = 8;
const DEFAULT_MAX_WAIT_MS = 5_000;
/**
 * The default quietMs: a deploy's first invocation follows its POST's answer at once (faas-cli polls),
 * and the refill's ADD (~35-45 ms of plugin CPU at N = 1) beside it made it ~8 ms slower on 2 cores;
 * the next deploy of a faas-cli user comes ~100 ms or more later (issue #16).
 */
export const DEFAULT_QUIET_MS = 50;
/** The longest a create waits for a refill under way before it attaches on its own (a hung plugin). */
const DEFAULT_CLAIM_WAIT_MS = 2_000;
/** setTimeout's longest delay (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The records' namespace of pooled netns, beside the function namespace (so the network owns their
 * netns: network-reconcile.ts `ownedBy`). `-_` is not allowed in a containerd namespace name
 * (`^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$`), so no user's namespace is ever this one.
 */
export function poolNamespace(functionNamespace: string): string {
  return `${functionNamespace}-_pool`;
}

/** What the pool works with: the network's store, and the same ADD and DEL a function's attach uses. */
export interface PoolNetwork {
  store: Pick<IpamStore, 'read' | 'find' | 'move'>;
  /** A function's attach (bridge alone, no port mappings) of (namespace, id). */
  attachPlain(namespace: string, id: string): Promise<Attachment>;
  detach(namespace: string, id: string): Promise<void>;
}

export interface PoolOptions {
  /** Entries to keep attached (at most MAX_POOL_SIZE); 0 only removes what an earlier process left. */
  size: number;
  /**
   * How long after the last attach began or launch ended a refill waits (DEFAULT_QUIET_MS). Launches
   * (below) keep it out of deploys' creates and task starts; a longer pause kept it out of the gaps
   * between faas-cli's deploys too (0.5 s: back-to-back deploys all attached on their own).
   */
  quietMs?: number;
  /** The wait after a failed refill before the next try. */
  retryMs?: number;
  /** The longest a take waits for the refill under way (DEFAULT_CLAIM_WAIT_MS). */
  claimWaitMs?: number;
  /**
   * The longest a due piece of work waits for deploys to pause (launch): under a steady trickle of
   * deploys the pool still refills, one entry per this long at most.
   */
  maxWaitMs?: number;
  log?: Pick<Logger, 'info' | 'warn'>;
}

/**
 * A few network namespaces attached ahead of time (issue #16: the CNI ADD is ~a third of a deploy's
 * POST), taken by a function's create instead of its own attach. Only the process that creates
 * functions starts one. Each entry is a record under `namespace` (poolNamespace), attached as any
 * function is; taking one re-keys its record to the function in one journal append, keeping the
 * netns name and CNI container ID it was attached under, so its DEL is the one its ADD asks for.
 * Entries of an earlier process are stale: removed in the background after start, before any
 * refill; work is one ADD or DEL at a time, not while deploys attach or start their tasks (but not
 * held back longer than maxWaitMs). A create that finds none ready but a refill's ADD under way
 * waits for that entry (one create per refill): a second ADD beside it would share the 2 cores and be
 * slower than the rest of the first. A stop leaves the entries (the next start removes them).
 */
export class NetnsPool {
  /** Ids of entries this process attached and nobody took yet, oldest first. */
  private readonly ready: string[] = [];
  private opts: Required<Omit<PoolOptions, 'log'>> & Pick<PoolOptions, 'log'> = {
    size: 0,
    quietMs: 0,
    retryMs: 0,
    claimWaitMs: DEFAULT_CLAIM_WAIT_MS,
    maxWaitMs: DEFAULT_MAX_WAIT_MS,
  };
  private running = false;
  private swept = false;
  private timer: NodeJS.Timeout | undefined;
  private work: Promise<void> | undefined;
  /** The refill's ADD under way (its entry's id once attached, undefined if it failed), and whether a take claimed it. */
  private filling: { entry: Promise<string | undefined>; claimed: boolean } | undefined;
  /** No work before this time (performance.now()) unless waited maxWaitMs: attaches and launches push it on. */
  private notBefore = 0;
  /** No work before this time whatever waited: a failed step's retry. */
  private retryAt = 0;
  /** Containers being created and started now (launch). */
  private launches = 0;
  /** Since when the work due has been held back by deploys (undefined: none due). */
  private waitingSince: number | undefined;

  constructor(
    private readonly net: PoolNetwork,
    readonly namespace: string,
  ) {}

  /** Begins the pool's background work: the stale entries' removal, then the refill. Returns at once. */
  start(o: PoolOptions): void {
    this.opts = {
      size: Math.max(0, Math.min(o.size, MAX_POOL_SIZE)),
      quietMs: o.quietMs ?? DEFAULT_QUIET_MS,
      retryMs: o.retryMs ?? 5_000,
      claimWaitMs: o.claimWaitMs ?? DEFAULT_CLAIM_WAIT_MS,
      maxWaitMs: Math.min(o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, MAX_TIMER_MS),
      ...(o.log ? { log: o.log } : {}),
    };
    this.running = true;
    this.busy();
  }

  /** Entries ready to be taken now. */
  get available(): number {
    return this.ready.length;
  }

  /** Whether a take may get an entry: one is ready, or a refill's ADD is under way that no take claimed. */
  get takeable(): boolean {
    return this.ready.length > 0 || (this.filling !== undefined && !this.filling.claimed);
  }

  /** An attach began: background work waits until attaches have paused for `quietMs`. */
  busy(): void {
    this.notBefore = Math.max(this.notBefore, performance.now() + this.opts.quietMs);
    this.schedule();
  }

  /**
   * A container's create and task start begin; call the function returned when they are over. The
   * pool's work (a refill's ADD, a stale entry's DEL: plugin runs of ~30-100 ms of CPU) waits until no
   * launch is under way and `quietMs` after the last one ended, at most `maxWaitMs`: on 2 cores it
   * landed in the middle of the next deploy's task start (issue #16, runc create 84-114 ms against 76).
   */
  launch(): () => void {
    this.launches++;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.launches--;
      this.busy();
    };
  }

  /**
   * Gives an entry to (namespace, id): its record re-keyed in one write. A ready one, else the one a
   * refill is attaching now (waited for at most claimWaitMs; one take per refill). Undefined when there
   * is neither (the caller attaches on its own).
   */
  async take(namespace: string, id: string): Promise<Attachment | undefined> {
    try {
      // shift() before any await: two creates at once never get the same entry.
      for (let entry = this.ready.shift(); entry !== undefined; entry = this.ready.shift()) {
        const taken = await this.give(entry, namespace, id);
        if (taken) return taken;
      }
      const entry = await this.claimFill();
      return entry === undefined ? undefined : await this.give(entry, namespace, id);
    } finally {
      this.busy(); // the refill of what was taken, once the deploy's task start is over
    }
  }

  /** Re-keys `entry`'s record to (namespace, id); undefined when it is gone or not attached. */
  private async give(entry: string, namespace: string, id: string): Promise<Attachment | undefined> {
    const record = await this.net.store.find(this.namespace, entry);
    // Gone or not attached: removed under us (a reconcile of every namespace).
    if (record?.state !== 'attached' || record.ip === undefined) return undefined;
    await this.net.store.move(this.namespace, entry, { ...record, namespace, id });
    return { netnsPath: record.netns, ip: record.ip };
  }

  /**
   * Waits for the refill under way when no take claimed it: its entry's id, kept out of `ready`.
   * Past claimWaitMs it gives up (the entry goes to `ready` when its ADD ends).
   */
  private async claimFill(): Promise<string | undefined> {
    const fill = this.filling;
    if (!fill || fill.claimed) return undefined;
    fill.claimed = true;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), this.opts.claimWaitMs)));
    const got = await Promise.race([fill.entry, late]).finally(() => clearTimeout(timer));
    if (got === 'late') {
      fill.claimed = false; // fill() puts it in ready
      return undefined;
    }
    return got;
  }

  /** Stops the background work and waits for a step under way; the entries stay. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waitingSince = undefined; // a later start waits afresh
    await this.work;
  }

  /** Stops, then removes every entry (the bridge is going away: tests do, faasd keeps its bridge). */
  async clear(): Promise<void> {
    await this.stop();
    this.ready.length = 0;
    for (const r of await this.net.store.read())
      if (r.namespace === this.namespace) await this.net.detach(r.namespace, r.id);
  }

  private get needed(): boolean {
    return !this.swept || this.ready.length < this.opts.size;
  }

  /** When the due work may run: after the quiet time with no launch, or once it waited maxWaitMs. */
  private dueAt(now: number): number {
    this.waitingSince ??= now;
    const quiet = this.launches > 0 ? Infinity : this.notBefore;
    return Math.max(this.retryAt, Math.min(quiet, this.waitingSince + this.opts.maxWaitMs));
  }

  private schedule(): void {
    if (!this.running || this.work || !this.needed) return;
    const now = performance.now();
    clearTimeout(this.timer); // set again: a launch's end may make the work due sooner
    this.timer = setTimeout(() => this.run(), Math.max(0, this.dueAt(now) - now));
  }

  private run(): void {
    this.timer = undefined;
    if (!this.running || this.work) return;
    // An attach or launch began since the timer was set: wait on.
    if (performance.now() < this.dueAt(performance.now())) return this.schedule();
    this.waitingSince = undefined;
    this.work = this.step().finally(() => {
      this.work = undefined;
      this.schedule();
    });
  }

  /** One piece of work: the sweep of stale entries, or one new entry. A failure waits `retryMs`. */
  private async step(): Promise<void> {
    try {
      if (this.swept) await this.fill();
      else await this.sweep();
    } catch (err) {
      this.retryAt = performance.now() + this.opts.retryMs;
      this.opts.log?.warn('network namespace pool: step failed; retrying later', {
        step: this.swept ? 'refill' : 'stale removal',
        error: errorMessage(err),
        retry_ms: this.opts.retryMs,
      });
    }
  }

  /** Removes every entry in the pool's namespace: at start, none of them is this process's. */
  private async sweep(): Promise<void> {
    const stale = (await this.net.store.read()).filter((r) => r.namespace === this.namespace);
    for (const r of stale) await this.net.detach(r.namespace, r.id);
    this.swept = true;
    if (stale.length > 0)
      this.opts.log?.info('removed stale pooled network namespaces', { count: stale.length });
  }

  private async fill(): Promise<void> {
    const id = randomBytes(4).toString('hex');
    const t0 = performance.now();
    const attaching = this.net.attachPlain(this.namespace, id);
    const fill = { entry: attaching.then(() => id).catch(() => undefined), claimed: false };
    this.filling = fill;
    try {
      const att = await attaching;
      // A take that claimed it has it (its wait ends with fill.entry); otherwise it is ready for the next.
      if (!fill.claimed) this.ready.push(id);
      this.opts.log?.info('pooled a network namespace', {
        netns: att.netnsPath,
        ip: att.ip,
        ready: this.ready.length,
        claimed: fill.claimed,
        ms: Math.round(performance.now() - t0),
      });
    } finally {
      this.filling = undefined;
    }
  }
}
