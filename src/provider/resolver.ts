/**
 * Where to send a function's traffic, cached in memory so the invoke hot path makes no containerd call.
 * Entries are dropped on deploy, update (when the new version takes over), delete, scale and task exits;
 * the lookup answers only with a ready container's address.
 */
export class Resolver {
  private readonly cache = new Map<string, string>();
  /** Bumped by every invalidate: a lookup that began before one must not cache its (old) answer. */
  private epoch = 0;

  constructor(private readonly lookup: (namespace: string, name: string) => Promise<string | undefined>) {}

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  async resolve(namespace: string, name: string): Promise<string | undefined> {
    const k = this.key(namespace, name);
    const hit = this.cache.get(k);
    if (hit) return hit;
    const epoch = this.epoch;
    const ip = await this.lookup(namespace, name);
    if (ip && epoch === this.epoch) this.cache.set(k, ip);
    return ip;
  }

  invalidate(namespace: string, name: string): void {
    this.epoch++;
    this.cache.delete(this.key(namespace, name));
  }

  clear(): void {
    this.epoch++;
    this.cache.clear();
  }
}
