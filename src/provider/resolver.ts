/**
 * Where to send a function's traffic, cached in memory so the invoke hot path makes no containerd call.
 * Entries are dropped on deploy, update, delete, scale and task-exit events.
 */
export class Resolver {
  private readonly cache = new Map<string, string>();

  constructor(private readonly lookup: (namespace: string, name: string) => Promise<string | undefined>) {}

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  async resolve(namespace: string, name: string): Promise<string | undefined> {
    const k = this.key(namespace, name);
    const hit = this.cache.get(k);
    if (hit) return hit;
    const ip = await this.lookup(namespace, name);
    if (ip) this.cache.set(k, ip);
    return ip;
  }

  invalidate(namespace: string, name: string): void {
    this.cache.delete(this.key(namespace, name));
  }

  clear(): void {
    this.cache.clear();
  }
}
