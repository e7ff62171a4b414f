import { isolatedEnv } from './test-env.js';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { resolveConfig, type FaasdConfig } from '../../src/config/index.js';
import { install } from '../../src/install/index.js';
import { SPLIT_COMPOSE } from '../../src/install/files.js';
import { gatewayOf } from '../../src/network/index.js';
import { removeTestStack } from './host-cleanup.js';
import type { TestContainerd } from './containerd.js';
import { freePort } from './registry.js';
import { pollUntil } from './wait.js';
import { runFaasd, type FaasdProcess } from './faasd-process.js';

/**
 * How the product is deployed: `daemon` is the default install (one `faasd up` runs the provider, the
 * gateway and the queue-worker); `split` is `faasd provider` beside `faasd up --no-provider` with our
 * gateway and queue-worker as containers (SPLIT_COMPOSE).
 */
export type StackVariant = 'daemon' | 'split';

/** The product as a user runs it — `faasd install`, then `faasd up` (and `faasd provider`) — on test-only names. */
export interface TestStack {
  variant: StackVariant;
  env: Record<string, string>;
  config: FaasdConfig;
  gateway: string;
  /** The provider's address (the bridge gateway, where the core containers reach it). */
  provider: string;
  bridgeIp: string;
  auth: string;
  up: FaasdProcess | undefined;
  providerProc: FaasdProcess | undefined;
  startProvider(): Promise<void>;
  /** Starts `faasd up` and resolves when the gateway answers /healthz. */
  startUp(): Promise<void>;
  /** Starts what the variant runs (split: the provider first), and resolves when the gateway answers. */
  start(): Promise<void>;
  /** Stops what the variant runs with SIGTERM; the exit codes, `faasd up`'s first. */
  stopAll(): Promise<(number | null)[]>;
  stop(p: FaasdProcess | undefined): Promise<number | null>;
  cleanup(): Promise<void>;
}

export async function testStack(
  ctd: TestContainerd,
  tag: string,
  opts: {
    scrapeSeconds?: number;
    bundle?: boolean;
    variant?: StackVariant;
    /** Settings over the test ones (bench/density: a subnet with room for a thousand functions). */
    env?: Record<string, string>;
  } = {},
): Promise<TestStack> {
  const variant = opts.variant ?? 'daemon';
  const root = await mkdtemp(`/tmp/faasd-test-${tag}-`);
  const env: Record<string, string> = {
    ...isolatedEnv(ctd, {
      stateDir: join(root, 'var/lib/faasd'),
      providerDir: join(root, 'var/lib/faasd-provider'),
      bridgePrefix: 'fs',
      subnetBase: '10.203',
    }),
    FAASD_GATEWAY_BIND: '127.0.0.1',
    FAASD_GATEWAY_PORT: String(await freePort()),
    FAASD_PROMETHEUS_PORT: String(await freePort()),
    // The daemon's provider API on loopback (the bridge has its own 8081): not a port other tests use.
    FAASD_PROVIDER_PORT: String(await freePort()),
    ...opts.env,
  };
  const config = resolveConfig({}, env, {});
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  await install({
    config: { ...config, stateDir: '/var/lib/faasd', providerDir: '/var/lib/faasd-provider' },
    root,
    start: false,
    out: quiet,
  });
  if (opts.scrapeSeconds) {
    const prom = join(config.stateDir, 'prometheus.yml');
    await writeFile(
      prom,
      (await readFile(prom, 'utf8')).replace(
        /scrape_interval: 15s/,
        `scrape_interval: ${opts.scrapeSeconds}s`,
      ),
    );
  }
  if (variant === 'split') await writeFile(join(config.stateDir, 'docker-compose.yaml'), SPLIT_COMPOSE);
  const password = (await readFile(join(config.stateDir, 'secrets/basic-auth-password'), 'utf8')).trim();
  const bridgeIp = gatewayOf(config.subnet);

  const started = async (args: string[], ready: string): Promise<FaasdProcess> => {
    const p = runFaasd(args, env, { bundle: opts.bundle ?? false });
    const early = p.exited.then((c) => {
      throw new Error(`faasd ${args[0]} exited (${c}): ${p.output().slice(-3000)}`);
    });
    early.catch(() => undefined);
    await pollUntil(
      `faasd ${args[0]} to be ready`,
      async () => (p.output().includes(ready) ? true : undefined),
      { timeoutMs: 120_000, early },
    );
    return p;
  };

  const s: TestStack = {
    variant,
    env,
    config,
    gateway: `http://127.0.0.1:${env.FAASD_GATEWAY_PORT}`,
    provider: `http://${bridgeIp}:8081`,
    bridgeIp,
    auth: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`,
    up: undefined,
    providerProc: undefined,
    async startProvider() {
      // The daemon variant runs the provider inside faasd up: callers written for two processes still work.
      if (variant === 'daemon') return;
      // The gateway container reaches faasd-provider:8081 on the bridge (FAASD_PROVIDER_PORT is loopback's).
      s.providerProc = await started(['provider', '--listen', bridgeIp, '--port', '8081'], 'listening');
    },
    async startUp() {
      const compose = ['up', '--compose', join(config.stateDir, 'docker-compose.yaml')];
      s.up = await started(variant === 'split' ? [...compose, '--no-provider'] : compose, 'stack is up');
      await pollUntil(
        'the gateway /healthz',
        async () => ((await fetch(`${s.gateway}/healthz`)).ok ? true : undefined),
        { timeoutMs: 60_000 },
      );
    },
    async start() {
      if (variant === 'split') await s.startProvider();
      await s.startUp();
    },
    async stopAll() {
      const codes = [await s.stop(s.up)];
      if (variant === 'split') codes.push(await s.stop(s.providerProc));
      return codes;
    },
    async stop(p) {
      if (!p || p.proc.exitCode !== null) return p?.proc.exitCode ?? null;
      p.proc.kill('SIGTERM');
      return p.exited;
    },
    async cleanup() {
      for (const p of [s.up, s.providerProc]) if (p && p.proc.exitCode === null) p.proc.kill('SIGKILL');
      await removeTestStack(ctd, config, root);
      await rm(root, { recursive: true, force: true });
    },
  };
  return s;
}
