import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { BindMount } from '../containerd/index.js';
import type { PortMapping } from '../runtime/index.js';
import { ComposeError } from './compose-errors.js';
import { interpolateDoc } from './interpolate.js';

/** One service of docker-compose.yaml, as faasd runs it. */
export interface ServiceSpec {
  name: string;
  image: string;
  environment: string[];
  mounts: BindMount[];
  user: string | undefined;
  command: string[] | undefined;
  entrypoint: string[] | undefined;
  capAdd: string[];
  ports: PortMapping[];
  dependsOn: string[];
}

const SERVICE_FIELDS = new Set([
  'image',
  'environment',
  'volumes',
  'user',
  'command',
  'entrypoint',
  'cap_add',
  'ports',
  'depends_on',
]);
const TOP_FIELDS = new Set(['version', 'services']);
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringList(service: string, field: string, v: unknown): string[] {
  if (typeof v === 'string') return splitCommand(service, field, v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number'))
    return v.map(String);
  throw new ComposeError(service, field, 'must be a string or a list of strings');
}

/** Compose's string form of command/entrypoint is split on spaces, honouring simple quotes. */
function splitCommand(service: string, field: string, s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  if (out.length === 0) throw new ComposeError(service, field, 'is empty');
  return out;
}

function environment(service: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) {
    return v.map((e) => {
      if (typeof e !== 'string' || !/^[^=\s]+(=.*)?$/s.test(e)) {
        throw new ComposeError(service, 'environment', `entry ${JSON.stringify(e)} is not KEY=VALUE`);
      }
      return e.includes('=') ? e : `${e}=`;
    });
  }
  if (isObject(v)) {
    return Object.entries(v).map(([k, val]) => {
      if (val === null || val === undefined) return `${k}=`;
      if (typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean')
        return `${k}=${val}`;
      throw new ComposeError(service, 'environment', `${k} must be a string, number or boolean`);
    });
  }
  throw new ComposeError(service, 'environment', 'must be a list of KEY=VALUE or a map');
}

function volumes(service: string, v: unknown, workDir: string): BindMount[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new ComposeError(service, 'volumes', 'must be a list');
  return v.map((entry): BindMount => {
    if (typeof entry === 'string') {
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
      return {
        source: isAbsolute(src) ? src : resolve(workDir, src),
        destination: dst,
        readonly: mode === 'ro',
      };
    }
    if (isObject(entry)) {
      for (const k of Object.keys(entry)) {
        if (!['type', 'source', 'target', 'read_only'].includes(k))
          throw new ComposeError(service, `volumes.${k}`, 'is not supported');
      }
      if (entry.type !== 'bind' || typeof entry.source !== 'string' || typeof entry.target !== 'string') {
        throw new ComposeError(service, 'volumes', 'long syntax needs type: bind, source and target');
      }
      const src = entry.source;
      return {
        source: isAbsolute(src) ? src : resolve(workDir, src),
        destination: entry.target,
        readonly: entry.read_only === true,
      };
    }
    throw new ComposeError(service, 'volumes', `entry ${JSON.stringify(entry)} is not a string or a map`);
  });
}

function port(service: string, n: string): number {
  const v = Number(n);
  if (!/^\d+$/.test(n) || v < 1 || v > 65535)
    throw new ComposeError(service, 'ports', `port ${JSON.stringify(n)} is not 1-65535`);
  return v;
}

/** `[host_ip:]published:target[/tcp|udp]`; a bare `target` is not published and is refused. */
export function parsePort(service: string, raw: unknown): PortMapping {
  if (typeof raw !== 'string' && typeof raw !== 'number')
    throw new ComposeError(service, 'ports', `${JSON.stringify(raw)} is not a string`);
  const [spec = '', proto = 'tcp'] = String(raw).split('/');
  if (proto !== 'tcp' && proto !== 'udp')
    throw new ComposeError(service, 'ports', `protocol ${JSON.stringify(proto)} is not tcp or udp`);
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw new ComposeError(service, 'ports', `${JSON.stringify(raw)}: use [HOST_IP:]PUBLISHED:TARGET`);
  }
  const target = port(service, parts[parts.length - 1] ?? '');
  const published = port(service, parts[parts.length - 2] ?? '');
  const hostIP = parts.length === 3 ? parts[0] : undefined;
  if (hostIP !== undefined && !/^\d+\.\d+\.\d+\.\d+$/.test(hostIP)) {
    throw new ComposeError(service, 'ports', `host IP ${JSON.stringify(hostIP)} is not an IPv4 address`);
  }
  return { hostPort: published, containerPort: target, protocol: proto, ...(hostIP ? { hostIP } : {}) };
}

function dependsOn(service: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  if (isObject(v)) return Object.keys(v);
  throw new ComposeError(service, 'depends_on', 'must be a list of service names');
}

/** Parses docker-compose.yaml text. Any field faasd does not run is an error naming it: never dropped. */
export function parseCompose(
  text: string,
  workDir: string,
  env: NodeJS.ProcessEnv = process.env,
): ServiceSpec[] {
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new ComposeError(undefined, 'yaml', (err as Error).message.split('\n')[0] ?? 'invalid YAML');
  }
  const doc = interpolateDoc(parsed, env);
  if (!isObject(doc)) throw new ComposeError(undefined, 'file', 'is not a YAML map');
  for (const k of Object.keys(doc))
    if (!TOP_FIELDS.has(k)) throw new ComposeError(undefined, k, 'is not supported');
  if (!isObject(doc.services) || Object.keys(doc.services).length === 0)
    throw new ComposeError(undefined, 'services', 'is missing or empty');
  return Object.entries(doc.services).map(([name, raw]): ServiceSpec => {
    if (!NAME.test(name))
      throw new ComposeError(name, 'name', 'use lowercase letters, digits and - (at most 63)');
    if (!isObject(raw)) throw new ComposeError(name, 'service', 'must be a map');
    for (const k of Object.keys(raw))
      if (!SERVICE_FIELDS.has(k)) throw new ComposeError(name, k, 'is not supported by faasd');
    if (typeof raw.image !== 'string' || raw.image === '')
      throw new ComposeError(name, 'image', 'is missing');
    if (raw.user !== undefined && typeof raw.user !== 'string' && typeof raw.user !== 'number') {
      throw new ComposeError(name, 'user', 'must be a string');
    }
    const ports =
      raw.ports === undefined ? [] : Array.isArray(raw.ports) ? raw.ports.map((p) => parsePort(name, p)) : [];
    if (raw.ports !== undefined && !Array.isArray(raw.ports))
      throw new ComposeError(name, 'ports', 'must be a list');
    return {
      name,
      image: raw.image,
      environment: environment(name, raw.environment),
      mounts: volumes(name, raw.volumes, workDir),
      user: raw.user === undefined ? undefined : String(raw.user),
      command: raw.command === undefined ? undefined : stringList(name, 'command', raw.command),
      entrypoint: raw.entrypoint === undefined ? undefined : stringList(name, 'entrypoint', raw.entrypoint),
      capAdd:
        raw.cap_add === undefined
          ? []
          : stringList(name, 'cap_add', raw.cap_add).map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`)),
      ports,
      dependsOn: dependsOn(name, raw.depends_on),
    };
  });
}
