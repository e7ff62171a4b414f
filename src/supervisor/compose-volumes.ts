import { isAbsolute, resolve } from 'node:path';
import type { BindMount } from '../containerd/index.js';
import { ComposeError } from './compose-errors.js';

/** A bind source: relative paths resolve against the compose file's folder, as faasd's (and compose's). */
function bindSource(workDir: string, src: string): string {
  return isAbsolute(src) ? src : resolve(workDir, src);
}

function bindTarget(service: string, target: unknown): string {
  if (typeof target !== 'string' || !target.startsWith('/'))
    throw new ComposeError(service, 'volumes', `target ${JSON.stringify(target)} is not an absolute path`);
  return target;
}

const LONG_VOLUME_KEYS = new Set(['type', 'source', 'target', 'read_only']);

/** The long syntax: `type: bind`, `source`, `target`, `read_only` (what faasd reads of it). */
function longVolume(service: string, entry: Record<string, unknown>, workDir: string): BindMount {
  for (const k of Object.keys(entry)) {
    if (!LONG_VOLUME_KEYS.has(k)) throw new ComposeError(service, `volumes.${k}`, 'is not supported');
  }
  if (entry.type !== 'bind') {
    throw new ComposeError(
      service,
      'volumes.type',
      `${JSON.stringify(entry.type)}: only bind mounts are supported (faasd refuses the other types too)`,
    );
  }
  if (typeof entry.source !== 'string' || entry.source === '')
    throw new ComposeError(service, 'volumes.source', `${JSON.stringify(entry.source)} is not a path`);
  if (entry.read_only !== undefined && typeof entry.read_only !== 'boolean') {
    throw new ComposeError(
      service,
      'volumes.read_only',
      `${JSON.stringify(entry.read_only)} is not true or false`,
    );
  }
  return {
    source: bindSource(workDir, entry.source),
    destination: bindTarget(service, entry.target),
    readonly: entry.read_only === true,
  };
}

/** The short syntax: `SOURCE:TARGET[:ro|rw]`, SOURCE a path (named volumes are refused). */
function shortVolume(service: string, entry: string, workDir: string): BindMount {
  const parts = entry.split(':');
  const [src, dst, mode] = parts;
  if (
    parts.length < 2 ||
    parts.length > 3 ||
    !src ||
    !dst ||
    (mode !== undefined && mode !== 'ro' && mode !== 'rw')
  ) {
    throw new ComposeError(service, 'volumes', `${JSON.stringify(entry)}: use SOURCE:TARGET[:ro]`);
  }
  if (!src.startsWith('.') && !src.startsWith('/')) {
    throw new ComposeError(
      service,
      'volumes',
      `${JSON.stringify(entry)}: named volumes are not supported, use a path`,
    );
  }
  return { source: bindSource(workDir, src), destination: bindTarget(service, dst), readonly: mode === 'ro' };
}

/** A service's `volumes`: bind mounts only, as faasd runs them. */
export function volumes(service: string, v: unknown, workDir: string): BindMount[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ComposeError(service, 'volumes', 'must be a list');
  return v.map((entry): BindMount => {
    if (typeof entry === 'string') return shortVolume(service, entry, workDir);
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry))
      return longVolume(service, entry as Record<string, unknown>, workDir);
    throw new ComposeError(service, 'volumes', `entry ${JSON.stringify(entry)} is not a string or a map`);
  });
}
