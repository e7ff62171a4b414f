// What keeps the bundle small in memory (issue #12's idle goal). V8 holds a script's whole source for
// as long as the process runs (functions are compiled lazily from it): a source with one non-ASCII
// character is kept as UTF-16, two bytes a character (the 3.8 MB bundle took 7.2 MB of heap, plus 0.8
// MB of line-end table for its 200,000 lines). Without comments and line breaks, and with every
// character ASCII, it takes 2.5 MB. Names are kept (no identifier minifying): stack traces still read.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

/** esbuild options for both bundles: whitespace and comments out (licence comments stay, at the end). */
export const COMPACT = { minifyWhitespace: true };

/**
 * esbuild already escapes non-ASCII characters in strings and templates; those left are in regular
 * expression literals (e.g. /µs/ in duration parsing). A `\uXXXX` escape means the same there.
 */
export function asciiOnly(file) {
  const text = readFileSync(file, 'utf8');
  const out = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (out !== text) writeFileSync(file, out);
}

/**
 * The gateway's data-path thread (gateway/data-thread.ts) as one CommonJS file: beside the bundle for
 * `node dist/bundle/faasd.mjs`, and as a SEA asset started with `eval: true` (which needs CommonJS).
 */
export async function buildDataWorker(outfile) {
  await build({
    entryPoints: ['src/gateway/data-worker.ts'],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    ...COMPACT,
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'warning',
  });
  asciiOnly(outfile);
}

/** A hash of a built file: the key its V8 code cache is valid for (src/launcher/code-cache.ts). */
export function sourceKey(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 32);
}
