// The portal's browser files (src/ui/web) as the gateway serves them: app.js bundled and minified by
// esbuild, app.css minified, index.html copied. Type-checked first: esbuild only strips types.
import { copyFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';

export async function buildUi(out = 'dist/bundle/ui') {
  execFileSync('npx', ['tsc', '-p', 'src/ui/web', '--noEmit'], { stdio: 'inherit' });
  mkdirSync(out, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    target: ['chrome110', 'firefox115', 'safari16'],
    logLevel: 'warning',
  };
  await build({
    ...common,
    entryPoints: ['src/ui/web/main.ts'],
    format: 'esm',
    outfile: join(out, 'app.js'),
  });
  await build({ ...common, entryPoints: ['src/ui/web/app.css'], outfile: join(out, 'app.css') });
  copyFileSync('src/ui/web/index.html', join(out, 'index.html'));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await buildUi(process.argv[2]);
