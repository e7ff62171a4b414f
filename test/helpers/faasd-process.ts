import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

export interface FaasdProcess {
  proc: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the faasd CLI from source in a child process, collecting its output. */
export function runFaasd(args: string[], env: Record<string, string>): FaasdProcess {
  const proc = spawn('node', ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  proc.stdout?.on('data', (c: Buffer) => chunks.push(c));
  proc.stderr?.on('data', (c: Buffer) => chunks.push(c));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => Buffer.concat(chunks).toString('utf8'), exited };
}
