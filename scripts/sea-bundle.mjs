// Prepares a Node single executable application: a small CommonJS main (the launcher), the bundle and
// every runtime file as assets, and sea-config.json. Usage: node scripts/sea-bundle.mjs OUT_DIR
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { NODE_DAEMON_FLAGS } from '../dist/config/index.js';
import { ECHO_ENV, ECHO_LISTENER_SCRIPT } from '../dist/gateway/shared-listener.js';
import { COMPACT, asciiOnly, buildDataWorker, sourceKey } from './bundle-compact.mjs';

const out = resolve(process.argv[2] ?? 'dist/sea');
mkdirSync(out, { recursive: true });
const info = JSON.parse(readFileSync('dist/build-info.json', 'utf8'));

// The bundle is an asset; the SEA's main is the small launcher (src/launcher/sea-main.ts) that compiles
// it with a V8 code cache made on the host that runs it.
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(out, 'faasd.cjs'),
  ...COMPACT,
  // import.meta is only read when not running as a SEA (src/assets.ts decides first).
  logOverride: { 'empty-import-meta': 'silent' },
  logLevel: 'warning',
});
asciiOnly(join(out, 'faasd.cjs'));
await build({
  entryPoints: ['src/launcher/sea-main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: join(out, 'sea-main.cjs'),
  ...COMPACT,
  define: { FAASD_BUNDLE_KEY: JSON.stringify(sourceKey(join(out, 'faasd.cjs'))) },
  banner: {
    // Started as the gateway's listener helper (gateway/shared-listener.ts): do that alone, before the
    // bundle is even compiled. A SEA's main is a CommonJS function body, so a top-level return ends it.
    js: `if (process.env.${ECHO_ENV} === '1') { ${ECHO_LISTENER_SCRIPT}; return; }`,
  },
  logLevel: 'warning',
});

// The gateway's data-path thread: a SEA cannot start a Worker from a file of its own, so its code
// goes in as an asset.
await buildDataWorker(join(out, 'data-worker.cjs'));

const files = [];
const add = (name, path, mode) => files.push({ name, path: resolve(path), mode });
for (const f of readdirSync('src/containerd/proto')) add(`proto/${f}`, `src/containerd/proto/${f}`, 0o644);
for (const f of readdirSync('cni-conf')) add(`cni-conf/${f}`, `cni-conf/${f}`, 0o644);
add('build-info.json', 'dist/build-info.json', 0o644);
for (const f of readdirSync('dist/bundle/ui')) add(`ui/${f}`, `dist/bundle/ui/${f}`, 0o644);
const index = {
  version: `${info.version}-${info.commit}`,
  files: files.map(({ name, mode }) => ({ name, mode })),
};
writeFileSync(join(out, 'assets.json'), JSON.stringify(index));

const assets = Object.fromEntries(files.map((f) => [f.name, f.path]));
assets['assets.json'] = join(out, 'assets.json');
// Read from memory by the gateway (not extracted with the files above).
assets['data-worker.cjs'] = join(out, 'data-worker.cjs');
assets['faasd.cjs'] = join(out, 'faasd.cjs');
writeFileSync(
  join(out, 'sea-config.json'),
  JSON.stringify(
    {
      main: join(out, 'sea-main.cjs'),
      output: join(out, 'sea.blob'),
      disableExperimentalSEAWarning: true,
      useCodeCache: false,
      useSnapshot: false,
      // The daemons' V8 flags (src/config/config.ts), as `node FLAGS faasd.mjs` gets them.
      execArgv: NODE_DAEMON_FLAGS,
      assets,
    },
    null,
    2,
  ),
);
