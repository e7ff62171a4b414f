// The single-file executable's main (scripts/sea-bundle.mjs): the CommonJS bundle is an asset,
// compiled here with a V8 code cache as bundle-main.ts does for `node faasd.mjs`. The SEA's own code
// cache is off (one blob serves both architectures, scripts/release.sh); this one is made on the
// host that runs it. Built with FAASD_BUNDLE_KEY defined (a hash of the asset).
import { getAsset } from 'node:sea';
import { dirname, join } from 'node:path';
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

// The name stack traces show; the bundle requires only Node's own modules.
const filename = join(dirname(process.execPath), 'faasd.cjs');
launch({ source: getAsset('faasd.cjs', 'utf8'), filename, key: FAASD_BUNDLE_KEY });
