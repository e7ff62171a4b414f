import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { pollUntil } from './wait.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { isolatedEnv } from './test-env.js';
import { resolveConfig, type FaasdConfig } from '../../src/config/index.js';
import { startProvider } from '../../src/provider/index.js';
import type { RunningProvider } from '../../src/provider/serve.js';
import { removeTestStack } from './host-cleanup.js';
import type { TestContainerd } from './containerd.js';

export interface TestProvider {
  config: FaasdConfig;
  env: Record<string, string>;
  url: string;
  auth: string;
  running: RunningProvider | undefined;
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A provider on 127.0.0.1:<random> with a test-only bridge, subnet, namespaces and state. */
export async function testProvider(
  ctd: TestContainerd,
  tag: string,
  opts: { readyTimeoutMs?: number } = {},
): Promise<TestProvider> {
  const dir = await mkdtemp(`/tmp/faasd-test-${tag}-`);
  const env = isolatedEnv(ctd, {
    stateDir: join(dir, 'state'),
    providerDir: join(dir, 'provider'),
    bridgePrefix: 'fprov',
    subnetBase: '10.202',
  });
  const config = resolveConfig({}, env, {});
  const secrets = join(config.stateDir, 'secrets');
  await mkdir(secrets, { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString('hex');
  await writeFile(join(secrets, 'basic-auth-user'), 'admin\n', { mode: 0o600 });
  await writeFile(join(secrets, 'basic-auth-password'), `${password}\n`, { mode: 0o600 });
  await chmod(secrets, 0o700);
  const tp: TestProvider = {
    config,
    env,
    url: '',
    auth: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
    running: undefined,
    async start() {
      tp.running = await startProvider({
        config: { ...config, stopGraceMs: 2000 },
        port: 0,
        listen: ['127.0.0.1'],
        ...(opts.readyTimeoutMs ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
      });
      tp.url = `http://127.0.0.1:${tp.running.ports[0]}`;
    },
    async cleanup() {
      await tp.running?.stop().catch(() => undefined);
      await removeTestStack(ctd, config, dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return tp;
}

export interface ApiAnswer {
  status: number;
  text: string;
  json<T>(): T;
}

/** Calls the provider's API with its basic auth: a body (a string as is, else JSON) when given. */
export function providerApi(
  p: Pick<TestProvider, 'url' | 'auth'>,
): (method: string, path: string, body?: unknown) => Promise<ApiAnswer> {
  return async (method, path, body) => {
    const res = await fetch(`${p.url}${path}`, {
      method,
      headers: {
        Authorization: p.auth,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, text, json: <T>() => JSON.parse(text) as T };
  };
}

/** Waits (bounded) until describe shows `replicas` available and an invocation answers 200. */
export function replicasReady(
  p: Pick<TestProvider, 'url' | 'auth'>,
  name: string,
  replicas = 1,
): Promise<true> {
  const api = providerApi(p);
  return pollUntil(
    `${name} to have ${replicas} ready`,
    async () => {
      const r = await api('GET', `/system/function/${name}`);
      const d = r.status === 200 ? r.json<{ availableReplicas: number }>() : undefined;
      const answers = async () => (await fetch(`${p.url}/function/${name}`)).status === 200;
      return d?.availableReplicas === replicas && (await answers()) ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}
