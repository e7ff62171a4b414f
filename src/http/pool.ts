import { Agent } from 'node:http';

export interface PoolOptions {
  /** Connections one function may hold at once; more requests to it wait for one (in its own queue). */
  socketsPerKey: number;
  /** Idle kept-alive connections kept per function. */
  freeSocketsPerKey: number;
  /** How long an idle kept-alive connection is kept. */
  idleSocketMs: number;
  /** Pools kept; past it, pools with nothing in flight are dropped (oldest use first). */
  maxPools: number;
}

export const POOL_DEFAULTS: PoolOptions = {
  socketsPerKey: 256,
  freeSocketsPerKey: 16,
  idleSocketMs: 15_000,
  maxPools: 256,
};

const count = (m: NodeJS.ReadOnlyDict<unknown[]>): number =>
  Object.values(m).reduce((n, list) => n + (list?.length ?? 0), 0);

/**
 * One connection pool (an http.Agent) per function, so a slow function fills only its own pool and never
 * delays another's calls (issue #17 item 2: one shared Agent of 256 sockets did). Keyed by namespace/name,
 * not by address: an update gives the function a new address, and its pool stays its own.
 */
export class AgentPool {
  private readonly agents = new Map<string, Agent>();

  constructor(private readonly opts: PoolOptions = POOL_DEFAULTS) {}

  get(key: string): Agent {
    const found = this.agents.get(key);
    if (found) {
      // Map order is use order: the least recently used pool is first.
      this.agents.delete(key);
      this.agents.set(key, found);
      return found;
    }
    const agent = new Agent({
      keepAlive: true,
      maxSockets: this.opts.socketsPerKey,
      maxFreeSockets: this.opts.freeSocketsPerKey,
      timeout: this.opts.idleSocketMs,
    });
    this.agents.set(key, agent);
    this.trim(key);
    return agent;
  }

  /** Connections in use plus requests waiting for one, for `key`. */
  inFlight(key: string): number {
    const a = this.agents.get(key);
    return a ? count(a.sockets) + count(a.requests) : 0;
  }

  get size(): number {
    return this.agents.size;
  }

  /** Drops idle pools past the bound; a pool with a request in flight is kept (those are bounded by the server's connection cap). */
  private trim(keep: string): void {
    for (const [key, agent] of this.agents) {
      if (this.agents.size <= this.opts.maxPools) return;
      if (key === keep || count(agent.sockets) + count(agent.requests) > 0) continue;
      agent.destroy();
      this.agents.delete(key);
    }
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }
}
