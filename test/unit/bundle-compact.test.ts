import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { parseGoDuration } from '../../src/duration.js';

const notAscii = (text: string) => [...text].some((c) => c.charCodeAt(0) > 0x7f);

// scripts/ is plain JavaScript run by node itself (npm run build): typed here by hand.
const compactScript = '../../scripts/bundle-compact.mjs';
const { COMPACT, asciiOnly } = (await import(compactScript)) as {
  COMPACT: BuildOptions;
  asciiOnly: (file: string) => void;
};

describe('the bundle is kept ASCII (V8 holds a non-ASCII source as UTF-16, twice the bytes)', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('escapes what esbuild leaves (a regex with µ and μ) without changing its meaning', async () => {
    dir = await mkdtemp(join(tmpdir(), 'bundle-compact-'));
    const file = join(dir, 'duration.mjs');
    await build({
      entryPoints: [join(import.meta.dirname, '../../src/duration.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: file,
      logLevel: 'silent',
      ...COMPACT,
    });
    const before = await readFile(file, 'utf8');
    assert.ok(notAscii(before), 'the fixture must hold a character esbuild does not escape');
    asciiOnly(file);
    const text = await readFile(file, 'utf8');
    assert.ok(!notAscii(text));
    const built = (await import(pathToFileURL(file).href)) as { parseGoDuration: typeof parseGoDuration };
    for (const input of ['1.5µs', '2μs', '3us', '1h30m', 'µs', '5x'])
      assert.equal(built.parseGoDuration(input), parseGoDuration(input), input);
  });
});
