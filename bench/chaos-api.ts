/**
 * The gateway's HTTP API as a user's client calls it, every request with a timeout. A status of 0 means
 * no answer (refused, reset, or timed out): the daemon behind it may have just been killed.
 */
export class GatewayApi {
  /** The first answer body (or error) seen for each `METHOD status`, cut short: what a failure said. */
  readonly samples = new Map<string, string>();

  constructor(
    readonly base: string,
    private readonly auth: string,
    private readonly image: string,
    private readonly timeoutMs: number,
  ) {}

  private async call(method: string, path: string, body?: unknown, auth = true): Promise<number> {
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(auth ? { Authorization: this.auth } : {}),
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.text();
      this.sample(`${method} ${path.split('/')[1] ?? ''} ${res.status}`, res.status >= 300 ? text : '');
      return res.status;
    } catch (err) {
      this.sample(`${method} ${path.split('/')[1] ?? ''} 0`, String(err));
      return 0;
    }
  }

  private sample(key: string, text: string): void {
    if (text && !this.samples.has(key) && this.samples.size < 50)
      this.samples.set(key, text.trim().slice(0, 300));
  }

  private deployment(name: string, version: number) {
    return { service: name, image: this.image, envVars: { VERSION: String(version) } };
  }

  deploy(name: string, version: number): Promise<number> {
    return this.call('POST', '/system/functions', this.deployment(name, version));
  }

  update(name: string, version: number): Promise<number> {
    return this.call('PUT', '/system/functions', this.deployment(name, version));
  }

  scale(name: string, replicas: number): Promise<number> {
    return this.call('POST', `/system/scale-function/${name}`, { serviceName: name, replicas });
  }

  remove(name: string): Promise<number> {
    return this.call('DELETE', '/system/functions', { functionName: name });
  }

  invoke(name: string): Promise<number> {
    return this.call('GET', `/function/${name}`, undefined, false);
  }

  /** The functions the provider lists, or undefined when it does not answer 200. */
  async list(): Promise<string[] | undefined> {
    try {
      const res = await fetch(`${this.base}/system/functions`, {
        headers: { Authorization: this.auth },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return undefined;
      }
      return ((await res.json()) as { name: string }[]).map((f) => f.name);
    } catch {
      return undefined;
    }
  }
}
