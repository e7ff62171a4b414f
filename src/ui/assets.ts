import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { runningAsSea, seaAssetDir } from '../assets.js';

/** The files scripts/build.mjs writes to dist/bundle/ui (the browser code bundled by esbuild). */
export const UI_FILES = ['index.html', 'app.js', 'app.css'] as const;

export interface Asset {
  type: string;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

export type AssetSet = ReadonlyMap<string, Asset>;

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** One file, compressed once when loaded: the gateway serves it from memory. */
export function makeAsset(name: string, body: Buffer): Asset {
  return {
    type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    identity: body,
    gzip: gzipSync(body, { level: 9 }),
    br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
  };
}

/**
 * Where the built UI lives: in a single-file build, among its extracted assets; else dist/bundle/ui,
 * found from the bundle itself (dist/bundle/faasd.mjs), from dist/ui, or from src/ui.
 */
export function uiAssetDir(): string | undefined {
  if (runningAsSea()) {
    const dir = seaAssetDir();
    return dir === undefined ? undefined : join(dir, 'ui');
  }
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'ui'), join(here, '../bundle/ui'), join(here, '../../dist/bundle/ui')])
    if (existsSync(join(dir, 'index.html'))) return dir;
  return undefined;
}

/** Reads and compresses the UI files; undefined when they were not built. */
export async function loadAssets(dir: string | undefined = uiAssetDir()): Promise<AssetSet | undefined> {
  if (dir === undefined) return undefined;
  const entries = await Promise.all(
    UI_FILES.map(async (name) => [name, makeAsset(name, await readFile(join(dir, name)))] as const),
  );
  return new Map(entries);
}
