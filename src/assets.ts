import { mkdirSync, renameSync, writeFileSync, existsSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as sea from 'node:sea';

/** The files a single-file build carries as SEA assets: `assets.json` lists them with their modes. */
interface AssetIndex {
  version: string;
  files: { name: string; mode: number }[];
}

let extracted: string | undefined | null = null;

export function runningAsSea(): boolean {
  try {
    return sea.isSea();
  } catch {
    return false;
  }
}

/**
 * In a single-file build, the directory its assets (protos, the log driver, CNI templates, build info)
 * were extracted to, once per version; undefined when running from files. The log driver must be a real
 * file: containerd's shim runs it. Under /run when root (gone at reboot, made again at the next start).
 */
export function seaAssetDir(): string | undefined {
  if (extracted !== null) return extracted;
  if (!runningAsSea()) return (extracted = undefined);
  const index = JSON.parse(sea.getAsset('assets.json', 'utf8')) as AssetIndex;
  const base = process.getuid?.() === 0 ? '/run/faasd-ts' : join(tmpdir(), 'faasd-ts');
  const dir = join(base, index.version);
  if (!existsSync(join(dir, '.complete'))) {
    const tmp = `${dir}.${process.pid}`;
    for (const f of index.files) {
      const path = join(tmp, f.name);
      mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
      writeFileSync(path, Buffer.from(sea.getAsset(f.name)), { mode: f.mode });
      chmodSync(path, f.mode);
    }
    writeFileSync(join(tmp, '.complete'), '');
    mkdirSync(base, { recursive: true, mode: 0o755 });
    try {
      renameSync(tmp, dir);
    } catch {
      // another process extracted the same version first; its copy is identical
    }
  }
  return (extracted = dir);
}
