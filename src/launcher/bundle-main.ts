// dist/bundle/faasd.mjs: what `node faasd.mjs` and the systemd unit run. A small ES module that
// compiles the CommonJS bundle beside it (faasd.cjs) with a V8 code cache (code-cache.ts) and runs it.
// Built by scripts/build.mjs, which defines FAASD_BUNDLE_KEY (a hash of faasd.cjs).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launch } from './launch.js';

declare const FAASD_BUNDLE_KEY: string;

// In a container the gateway and queue-worker are PID 1, which ignores a SIGTERM it has no handler
// for: catch one that arrives while the bundle is still loading, for the daemon to honour.
if (['gateway', 'queue-worker'].includes(process.argv[2] ?? '')) {
  for (const s of ['SIGTERM', 'SIGINT'] as const)
    process.once(s, () => {
      (globalThis as { __faasdEarlySignal?: string }).__faasdEarlySignal ??= s;
    });
}

const filename = fileURLToPath(new URL('./faasd.cjs', import.meta.url));
launch({ source: readFileSync(filename, 'utf8'), filename, key: FAASD_BUNDLE_KEY });
