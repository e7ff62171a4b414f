import type { CacheStatus } from './code-cache.js';

/**
 * How the launcher (a separate, small bundle) and the daemon inside the big one meet: the launcher
 * leaves this on `globalThis` under a registered symbol, the daemon calls it once its start is done.
 * Absent when the code runs from dist/ or under tsx (no launcher, no cache).
 */
export interface CodeCacheHook {
  status: CacheStatus;
  /** Writes the cache when there was no good one; true when it wrote. Once per process. */
  save(): boolean;
}

const HOOK = Symbol.for('faasd.codeCache');

export function setCodeCacheHook(hook: CodeCacheHook): void {
  (globalThis as Record<symbol, unknown>)[HOOK] = hook;
}

/**
 * The start is done (listening, core up): save the code cache now, so it holds what a start compiles.
 * Returns log fields (`code_cache=hit`, `code_cache_saved=true`), empty without a launcher.
 */
export function startupDone(): Record<string, string | boolean> {
  const hook = (globalThis as Record<symbol, unknown>)[HOOK] as CodeCacheHook | undefined;
  if (!hook) return {};
  let saved: boolean | string;
  try {
    saved = hook.save();
  } catch (err) {
    saved = `failed: ${(err as Error).message}`; // only a later start is slower
  }
  return { code_cache: hook.status, code_cache_saved: saved };
}
