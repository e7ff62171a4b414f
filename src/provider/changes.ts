import { ConflictError } from '../errors.js';

export type ChangeKind = 'deploy' | 'update' | 'delete' | 'scale';

interface ApiChange {
  kind: ChangeKind;
  /** Equal tags of the same kind join the running change instead of a 409 (two scales to 1). */
  tag: string | undefined;
  running: Promise<unknown>;
}

/**
 * One change at a time per function name. An API call (deploy, update, delete, scale) that finds another
 * API call changing the name gets a ConflictError and changes nothing; internal work (a restart, a start
 * for an invocation) never gets one: it queues behind whatever runs and then looks again.
 */
export class ChangeGuard {
  /** `changes`: told when work on a function of a namespace begins and ends (the container cache). */
  constructor(
    private readonly changes: { begin(namespace: string): void; end(namespace: string): void } = {
      begin: () => {},
      end: () => {},
    },
  ) {}

  private readonly api = new Map<string, ApiChange>();
  /** The end of each name's queue: held while anything (API or internal) changes it. */
  private readonly tails = new Map<string, Promise<void>>();

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  /** Something changes the function now, or waits to. */
  busy(namespace: string, name: string): boolean {
    return this.tails.has(this.key(namespace, name));
  }

  /** What an API call is doing to the function now, if one is. */
  apiChange(namespace: string, name: string): ChangeKind | undefined {
    return this.api.get(this.key(namespace, name))?.kind;
  }

  /** An API change: 409 while another API change of the name runs; waits behind internal work. */
  change<T>(
    namespace: string,
    name: string,
    kind: ChangeKind,
    fn: () => Promise<T>,
    tag?: string,
  ): Promise<T> {
    const k = this.key(namespace, name);
    const held = this.api.get(k);
    if (held) {
      if (tag !== undefined && held.kind === kind && held.tag === tag) return held.running as Promise<T>;
      return Promise.reject(new ConflictError('function', name, held.kind));
    }
    const running = this.exclusive(k, fn);
    const entry: ApiChange = { kind, tag, running };
    this.api.set(k, entry);
    const clear = () => {
      if (this.api.get(k) === entry) this.api.delete(k);
    };
    running.then(clear, clear);
    return running;
  }

  /** Internal work on the function, after whatever changes it now has finished. */
  internal<T>(namespace: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.exclusive(this.key(namespace, name), fn);
  }

  /** Resolves when nothing changes the function (at once when nothing does). */
  idle(namespace: string, name: string): Promise<void> {
    return this.tails.get(this.key(namespace, name)) ?? Promise.resolve();
  }

  private async exclusive<T>(k: string, fn: () => Promise<T>): Promise<T> {
    const namespace = k.slice(0, k.indexOf('/'));
    const before = this.tails.get(k) ?? Promise.resolve();
    let release = () => {};
    const mine = new Promise<void>((r) => (release = r));
    const tail = before.then(() => mine);
    this.tails.set(k, tail);
    await before;
    this.changes.begin(namespace);
    try {
      return await fn();
    } finally {
      this.changes.end(namespace);
      release();
      if (this.tails.get(k) === tail) this.tails.delete(k);
    }
  }
}
