import { FaasdError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { FunctionStatus } from '../provider/index.js';

export class ProviderUnavailableError extends FaasdError {
  constructor(reason: string, options?: ErrorOptions) {
    super('unavailable', `the provider is unavailable: ${reason}`, options);
  }
}

/** The few provider calls a separate gateway makes on its own account (scale from zero, the list). */
export class ProviderClient {
  constructor(
    readonly baseUrl: string,
    private readonly authorization: string,
    private readonly timeoutMs = 10_000,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          Authorization: this.authorization,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new ProviderUnavailableError((err as Error).message, { cause: err });
    }
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    const res = await this.call(
      'GET',
      `/system/function/${encodeURIComponent(name)}?namespace=${encodeURIComponent(namespace)}`,
    );
    if (res.status === 404) throw new NotFoundError('function', name);
    if (res.status === 400) throw new InvalidArgumentError('function', (await res.text()).trim());
    if (!res.ok) throw new ProviderUnavailableError(`describe answered ${res.status}`);
    return (await res.json()) as FunctionStatus;
  }

  async list(namespace: string): Promise<FunctionStatus[]> {
    const res = await this.call('GET', `/system/functions?namespace=${encodeURIComponent(namespace)}`);
    if (res.status === 400) throw new InvalidArgumentError('namespace', (await res.text()).trim());
    if (!res.ok) throw new ProviderUnavailableError(`list answered ${res.status}`);
    return (await res.json()) as FunctionStatus[];
  }

  async scale(name: string, namespace: string, replicas: number): Promise<void> {
    const res = await this.call('POST', `/system/scale-function/${encodeURIComponent(name)}`, {
      serviceName: name,
      namespace,
      replicas,
    });
    await res.body?.cancel();
    if (res.status === 404) throw new NotFoundError('function', name);
    if (!res.ok) throw new ProviderUnavailableError(`scale answered ${res.status}`);
  }
}
