import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seaAssetDir } from '../assets.js';

interface BuildInfo {
  version: string;
  commit: string;
}

/** Written by the build (scripts/copy-assets.mjs) next to the compiled code; absent when run from source. */
function buildInfo(): BuildInfo {
  const sea = seaAssetDir();
  if (sea) return JSON.parse(readFileSync(join(sea, 'build-info.json'), 'utf8')) as BuildInfo;
  for (const rel of ['../build-info.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as Partial<BuildInfo>;
      if (parsed.version) return { version: parsed.version, commit: parsed.commit ?? 'source' };
    } catch {
      // try the next place
    }
  }
  return { version: '0.0.0', commit: 'unknown' };
}

const info = buildInfo();
export const VERSION: string = info.version;
export const COMMIT: string = info.commit;
