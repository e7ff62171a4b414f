// The gateway's API as bench/scale calls it: every request bounded by a timeout, failures thrown with
// the status and the answer's text.
import { setTimeout as delay } from 'node:timers/promises';

export interface Deployment {
  service: string;
  image: string;
  envVars?: Record<string, string>;
  labels?: Record<string, string>;
}

export interface Status {
  replicas: number;
  availableReplicas: number;
}

export class ScaleApi {
  constructor(
    readonly gateway: string,
    private readonly auth: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.gateway}${path}`, {
      method,
      headers: {
        Authorization: this.auth,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
  }

  private async expect(what: string, res: Response, ok: number[]): Promise<string> {
    const text = await res.text();
    if (!ok.includes(res.status)) throw new Error(`${what}: ${res.status} ${text.trim().slice(0, 300)}`);
    return text;
  }

  async deploy(d: Deployment): Promise<void> {
    await this.expect(`deploy ${d.service}`, await this.call('POST', '/system/functions', d), [200, 202]);
  }

  async update(d: Deployment): Promise<void> {
    await this.expect(`update ${d.service}`, await this.call('PUT', '/system/functions', d), [200, 202]);
  }

  async scale(name: string, replicas: number): Promise<void> {
    const res = await this.call('POST', `/system/scale-function/${name}`, { serviceName: name, replicas });
    await this.expect(`scale ${name} to ${replicas}`, res, [200, 202]);
  }

  async describe(name: string): Promise<Status> {
    const res = await this.call('GET', `/system/function/${name}`);
    return JSON.parse(await this.expect(`describe ${name}`, res, [200])) as Status;
  }

  /**
   * Deletes the function; one that is already gone is fine. A 409 (the autoscaler is changing it) is
   * tried again, every 500 ms for at most 60 s.
   */
  async remove(name: string): Promise<void> {
    for (let i = 0; ; i++) {
      const res = await this.call('DELETE', '/system/functions', { functionName: name });
      if (res.status === 409 && i < 120) {
        await res.arrayBuffer();
        await delay(500);
        continue;
      }
      await this.expect(`delete ${name}`, res, [200, 202, 404]);
      return;
    }
  }

  /** One invocation through the gateway: its status and body. */
  async invoke(name: string, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
    const res = await fetch(`${this.gateway}/function/${name}`, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  }
}
