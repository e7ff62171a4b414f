import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as sea from 'node:sea';
import { runningAsSea } from '../assets.js';
import { ECHO_ENV, nodeEchoHelper, type EchoHelper } from './shared-listener.js';

/** How the thread's code is loaded: a file beside this one, or source to eval (SEA, tsx). */
export type WorkerCode = { file: URL } | { eval: string };

/**
 * The data-path thread's code where this process runs from: the single-file executable's asset
 * (scripts/sea-bundle.mjs), the compiled file beside this one (dist/) or beside the bundle
 * (dist/bundle/, scripts/build.mjs), or the TypeScript source under tsx (tests). Undefined when none is
 * there (a gateway image carries only the bundle): the main thread then serves alone.
 */
export function dataWorkerCode(): WorkerCode | undefined {
  if (runningAsSea()) return { eval: sea.getAsset('data-worker.cjs', 'utf8') };
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const path = fileURLToPath(new URL('./data-worker.ts', here));
    return { eval: `require('tsx/cjs/api').register(); require(${JSON.stringify(path)});` };
  }
  // dist/gateway/data-worker.js beside this file (tsc), or data-worker.cjs beside the one-file bundle.
  for (const name of ['./data-worker.js', './data-worker.cjs']) {
    const file = new URL(name, here);
    if (existsSync(file)) return { file };
  }
  return undefined;
}

/** The helper that duplicates a listening descriptor: this executable in its echo mode, or node -e. */
export function echoHelper(): EchoHelper {
  return runningAsSea()
    ? { command: process.execPath, args: [], env: { ...process.env, [ECHO_ENV]: '1' } }
    : nodeEchoHelper();
}
