// The build: tsc to dist/ (for `node dist/cli/main.js`), assets beside it, and one ESM bundle in
// dist/bundle/ (faasd.mjs + proto/ + ui/) for the packed gateway/queue-worker image and the
// single-file executable. Records version + commit for `faasd version`.
import { cpSync, readFileSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { buildUi } from './build-ui.mjs';
import { COMPACT, asciiOnly, buildDataWorker } from './bundle-compact.mjs';

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
await build({
  entryPoints: ['src/cli/main.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: 'dist/bundle/faasd.mjs',
  ...COMPACT,
  // CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: [
      // CommonJS dependencies call require(); give the ESM bundle one.
      "import { createRequire as __faasdRequire } from 'node:module'; const require = __faasdRequire(import.meta.url);",
      // In a container the gateway and queue-worker are PID 1, which ignores a SIGTERM it has no handler
      // for: catch one that arrives while the bundle is still loading, for the daemon to honour.
      "if (['gateway', 'queue-worker'].includes(process.argv[2] ?? '')) { for (const s of ['SIGTERM', 'SIGINT']) process.once(s, () => { globalThis.__faasdEarlySignal ??= s; }); }",
    ].join('\n'),
  },

  logLevel: 'warning',
});
asciiOnly('dist/bundle/faasd.mjs');
await buildDataWorker('dist/bundle/data-worker.cjs');
cpSync('src/containerd/proto', 'dist/bundle/proto', { recursive: true });
// The portal (#14): served from memory by the gateway, which finds it beside the bundle.
await buildUi('dist/bundle/ui');
