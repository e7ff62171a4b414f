// The build: tsc to dist/ (for `node dist/cli/main.js`), assets beside it, and the bundle in
// dist/bundle/ (faasd.mjs, its launcher, + faasd.cjs + proto/ + ui/) for `faasd install`, the packed
// gateway/queue-worker image and the single-file executable. Records version + commit for `faasd version`.
import { cpSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { buildUi } from './build-ui.mjs';
import { COMPACT, asciiOnly, buildDataWorker, sourceKey } from './bundle-compact.mjs';

execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/containerd/proto', 'dist/containerd/proto', { recursive: true });
cpSync('cni-conf', 'dist/cni-conf', { recursive: true });

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
writeFileSync('dist/build-info.json', JSON.stringify({ version: pkg.version, commit }) + '\n');
chmodSync('dist/cli/main.js', 0o755);

mkdirSync('dist/bundle', { recursive: true });
// The CommonJS bundle (faasd.cjs) and the small ES module users run (faasd.mjs), which compiles the
// bundle with a V8 code cache (src/launcher/): a script, unlike an ES module, can take one on Node 20.
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: 'dist/bundle/faasd.cjs',
  ...COMPACT,
  // Files beside the bundle (proto/, ui/, data-worker.cjs, ../build-info.json) are found from its URL.
  define: { 'import.meta.url': '__faasdBundleUrl' },
  banner: { js: "var __faasdBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
asciiOnly('dist/bundle/faasd.cjs');
await build({
  entryPoints: ['src/launcher/bundle-main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/bundle/faasd.mjs',
  ...COMPACT,
  // A cache made for another build of faasd.cjs is stale (V8 itself checks only the source's length).
  define: { FAASD_BUNDLE_KEY: JSON.stringify(sourceKey('dist/bundle/faasd.cjs')) },
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
asciiOnly('dist/bundle/faasd.mjs');
await buildDataWorker('dist/bundle/data-worker.cjs');
cpSync('src/containerd/proto', 'dist/bundle/proto', { recursive: true });
// The portal (#14): served from memory by the gateway, which finds it beside the bundle.
await buildUi('dist/bundle/ui');
