import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Module from 'node:module';
import { codeCacheFile } from '../config/paths.js';
import { compileCached, writeCache, type CacheStatus } from './code-cache.js';
import { setCodeCacheHook } from './hook.js';

/**
 * config.ts's default state folder: importing config.ts would bring the HTTP defaults and the rest of
 * the configuration code into this small launcher (test/unit/launcher-code-cache.test.ts checks they agree).
 */
export const DEFAULT_STATE_DIR = '/var/lib/faasd';

/**
 * The state folder as `faasd up` will resolve it, read before the configuration code is loaded: the
 * environment, then the config file, then the default (config/resolve.ts's order; no flag sets it).
 */
export function stateDirOf(env: NodeJS.ProcessEnv): string {
  if (env.FAASD_STATE_DIR) return env.FAASD_STATE_DIR;
  if (env.FAASD_CONFIG) {
    try {
      const file = JSON.parse(readFileSync(env.FAASD_CONFIG, 'utf8')) as { stateDir?: unknown };
      if (typeof file.stateDir === 'string' && file.stateDir) return file.stateDir;
    } catch {
      // the CLI reports a bad config file; here it only means the default place
    }
  }
  return DEFAULT_STATE_DIR;
}

/** Where the cache is for this process: root only (the daemons), under the state folder. */
export function cacheFileFor(env: NodeJS.ProcessEnv, uid: number): string | undefined {
  return uid === 0 ? codeCacheFile({ stateDir: stateDirOf(env) }) : undefined;
}

/** Statuses after which a start writes a new cache (a trusted place that lacked a good one). */
const WRITE_AFTER: CacheStatus[] = ['missing', 'stale', 'rejected'];

export interface Bundle {
  /** The CommonJS bundle's text (its `#!` line, if any, is neutralised here). */
  source: string;
  /** Its path: stack traces name it, and its require() resolves from it. */
  filename: string;
  /** A hash of the source, from the build: a cache of another build is stale. */
  key: string;
}

/**
 * Compiles the CommonJS bundle with the code cache and runs it as Node would run a CommonJS main
 * module, leaving the hook the daemon calls to save the cache once its start is done.
 */
export function launch(
  b: Bundle,
  env: NodeJS.ProcessEnv = process.env,
  uid: number = process.getuid?.() ?? -1,
): void {
  const cacheFile = cacheFileFor(env, uid);
  const text = b.source.startsWith('#!') ? `//${b.source.slice(2)}` : b.source;
  const { script, status } = compileCached(Module.wrap(text), b.filename, cacheFile, b.key, uid);
  let saved = false;
  setCodeCacheHook({
    status,
    save() {
      if (saved || !cacheFile || !WRITE_AFTER.includes(status)) return false;
      saved = true;
      return writeCache(script, cacheFile, b.key, uid);
    },
  });
  const main = script.runInThisContext() as (
    exports: object,
    require: NodeJS.Require,
    module: { exports: object },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} };
  main.call(
    module.exports,
    module.exports,
    Module.createRequire(b.filename),
    module,
    b.filename,
    dirname(b.filename),
  );
}
