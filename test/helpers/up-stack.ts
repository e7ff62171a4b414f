import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveConfig, type FaasdConfig } from '../../src/config/index.js';
import type { Containerd } from '../../src/containerd/index.js';
import { startContainerd, type TestContainerd } from './containerd.js';
import { runFaasd, type FaasdProcess } from './faasd-process.js';
import { removeTestStack } from './host-cleanup.js';
import { isolatedEnv } from './test-env.js';
import { pollUntil } from './wait.js';

/** A running `faasd up`; `early` rejects, with the tail of its output, as soon as it exits. */
export interface LaunchedUp extends FaasdProcess {
  early: Promise<never>;
}

/**
 * The world of a suite that runs `faasd up` on compose files: a private containerd, a temp dir (compose
 * files and the state dir), and an environment of its own namespaces, bridge and /24 subnet.
 */
export interface UpTestStack {
  ctd: TestContainerd;
  dir: string;
  env: Record<string, string>;
  config: FaasdConfig;
  /** The core namespace, through the test's containerd. */
  core: Containerd;
  /** Starts `faasd up --compose FILE --no-provider` (no provider: no fixed port to collide on). */
  launch(composeFile: string): LaunchedUp;
  /** Waits for "stack is up"; a timeout's error carries what faasd up said. */
  waitUp(up: LaunchedUp, timeoutMs?: number): Promise<void>;
  /** SIGKILLs every faasd up still running and waits for it (afterEach: a failed test leaves none). */
  killAll(): Promise<void>;
  /** Removes everything: processes, containers and their networks, the bridge, containerd, the dir. */
  dispose(): Promise<void>;
}

export async function upTestStack(
  name: string,
  o: { bridgePrefix: string; subnetBase: string },
): Promise<UpTestStack> {
  const ctd = await startContainerd(name);
  const dir = await mkdtemp(`/tmp/faasd-test-${name}-`);
  const env = isolatedEnv(ctd, {
    stateDir: join(dir, 'state'),
    providerDir: join(dir, 'provider'),
    ...o,
  });
  const config = resolveConfig({}, env, {});
  const running: FaasdProcess[] = [];
  const killAll = async () => {
    for (const p of running.splice(0)) {
      if (p.proc.exitCode !== null || p.proc.signalCode !== null) continue;
      p.proc.kill('SIGKILL');
      await p.exited;
    }
  };
  return {
    ctd,
    dir,
    env,
    config,
    core: ctd.client.inNamespace(config.namespace),
    launch(composeFile) {
      const p = runFaasd(['up', '--compose', composeFile, '--no-provider'], env);
      running.push(p);
      const early = p.exited.then((code) => {
        throw new Error(`faasd up exited (${code}): ${p.output().slice(-3000)}`);
      });
      early.catch(() => undefined);
      return { ...p, early };
    },
    async waitUp(up, timeoutMs = 90_000) {
      await pollUntil(
        'faasd up to say the stack is up',
        async () => (up.output().includes('stack is up') ? true : undefined),
        { timeoutMs, early: up.early },
      ).catch((err: unknown) => {
        throw new Error(`the stack did not come up; faasd up said:\n${up.output().slice(-3000)}`, {
          cause: err,
        });
      });
    },
    killAll,
    async dispose() {
      await killAll();
      await ctd.resume().catch(() => undefined); // a test may have halted it
      await removeTestStack(ctd, config, dir).catch(() => undefined);
      await ctd.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
