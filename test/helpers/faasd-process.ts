import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { NODE_DAEMON_FLAGS } from '../../src/config/index.js';

export const CLI = join(import.meta.dirname, '../../src/cli/main.ts');
/** The built single-file bundle, as users run it (npm run build); benches measure this one. */
export const BUNDLE = join(import.meta.dirname, '../../dist/bundle/faasd.mjs');

export interface FaasdProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the faasd CLI (from source, or the built bundle) in a child process, collecting its output. */
/**
 * FAASD_TEST_NODE_FLAGS: more Node flags for the bundled daemon, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`
 * to profile it inside a bench (Node refuses --cpu-prof in NODE_OPTIONS).
 */
function extraNodeFlags(): string[] {
  return (process.env.FAASD_TEST_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

export function runFaasd(
  args: string[],
  env: Record<string, string>,
  opts: { bundle?: boolean } = {},
): FaasdProcess {
  // FAASD_TEST_EXECUTABLE: run a single-file build instead (scripts/release.sh), as the test command does once.
  const exe = process.env.FAASD_TEST_EXECUTABLE;
  // The bundle runs as the systemd units run it, with the daemons' V8 flags.
  const argv = exe
    ? args
    : opts.bundle
      ? [...NODE_DAEMON_FLAGS, ...extraNodeFlags(), BUNDLE, ...args]
      : ['--import', 'tsx', CLI, ...args];
  const proc = spawn(exe ?? 'node', argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (c: Buffer) => chunks.push(c));
  proc.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => Buffer.concat(chunks).toString('utf8'), exited };
}
