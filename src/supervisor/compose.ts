import { parse as parseYaml } from 'yaml';
import type { BindMount } from '../containerd/index.js';
import type { PortMapping } from '../runtime/index.js';
import { ComposeError } from './compose-errors.js';
import { interpolateDoc } from './interpolate.js';
import { volumes } from './compose-volumes.js';
import {
  dependsOn,
  healthcheck,
  restartPolicy,
  type DependsCondition,
  type Healthcheck,
  type RestartPolicy,
} from './compose-health.js';

/** One service of docker-compose.yaml, as faasd runs it. */
export interface ServiceSpec {
  name: string;
  image: string;
  environment: string[];
  mounts: BindMount[];
  user: string | undefined;
  /** The process arguments after `entrypoint`; undefined: the image's cmd. */
  command: string[] | undefined;
  /**
   * Replaces the image's entrypoint; undefined keeps it. parseCompose sets `[]` with every `command`:
   * faasd makes `command` the whole process command line (OCI process args), dropping the image's
   * entrypoint, where docker compose would append it to the entrypoint.
   */
  entrypoint: string[] | undefined;
  capAdd: string[];
  ports: PortMapping[];
  /** The services this one starts after (the keys of `conditions`). */
  dependsOn: string[];
  /** What each dependency must reach before this one starts; missing: `service_started`. */
  conditions?: Record<string, DependsCondition>;
  /** Missing: `always`. */
  restart?: RestartPolicy;
  healthcheck?: Healthcheck;
}

const SERVICE_FIELDS = new Set([
  'image',
  'environment',
  'volumes',
  'user',
  'command',
  'cap_add',
  'ports',
  'depends_on',
  'restart',
  'healthcheck',
]);
/** Fields faasd reads from the file yet does not run: named with the reason rather than "not supported". */
const REFUSED: Record<string, string> = {
  entrypoint:
    'is ignored by faasd; give the whole command line in command (it replaces the image entrypoint and cmd)',
};
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

/** Compose's string form of command is split on spaces, honouring simple quotes. */
function splitCommand(service: string, field: string, s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  if (out.length === 0) throw new ComposeError(service, field, 'is empty');
  return out;
}

/** faasd's `command`: the whole command line (the image's entrypoint and cmd are both dropped). */
function processArgs(service: string, v: unknown): Pick<ServiceSpec, 'command' | 'entrypoint'> {
  if (v === undefined || v === null) return { command: undefined, entrypoint: undefined };
  const command = stringList(service, 'command', v);
  if (command.length === 0) throw new ComposeError(service, 'command', 'is empty');
  return { command, entrypoint: [] };
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

function port(service: string, n: string): number {
  const v = Number(n);
  if (!/^\d+$/.test(n) || v < 1 || v > 65535)
    throw new ComposeError(service, 'ports', `port ${JSON.stringify(n)} is not 1-65535`);
  return v;
}

const LONG_PORT_KEYS = new Set(['target', 'published', 'host_ip', 'protocol']);

/** The long syntax (`target`, `published`, `host_ip`, `protocol`), which faasd reads too, as the short one. */
function longPort(service: string, raw: Raw): string {
  for (const k of Object.keys(raw))
    if (!LONG_PORT_KEYS.has(k)) throw new ComposeError(service, `ports.${k}`, 'is not supported');
  const field = (k: string): string | undefined => {
    const v = raw[k];
    if (v === undefined || typeof v === 'string' || typeof v === 'number') return v?.toString();
    throw new ComposeError(service, `ports.${k}`, `${JSON.stringify(v)} is not a string or number`);
  };
  const [target, published, hostIP] = [field('target'), field('published'), field('host_ip')];
  if (published === undefined)
    throw new ComposeError(service, 'ports.published', 'is missing: unpublished ports are not supported');
  return `${hostIP === undefined ? '' : `${hostIP}:`}${published}:${target ?? ''}/${field('protocol') ?? 'tcp'}`;
}

/** `[host_ip:]published:target[/tcp|udp]`, or the long syntax; a bare `target` is not published and is refused. */
export function parsePort(service: string, raw: unknown): PortMapping {
  if (isObject(raw)) return parsePort(service, longPort(service, raw));
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
  const services = Object.entries(doc.services).map(([name, raw]): ServiceSpec => {
    if (!NAME.test(name))
      throw new ComposeError(name, 'name', 'use lowercase letters, digits and - (at most 63)');
    if (!isObject(raw)) throw new ComposeError(name, 'service', 'must be a map');
    for (const k of Object.keys(raw))
      if (!SERVICE_FIELDS.has(k)) throw new ComposeError(name, k, REFUSED[k] ?? 'is not supported by faasd');
    if (typeof raw.image !== 'string' || raw.image === '')
      throw new ComposeError(name, 'image', 'is missing');
    if (raw.user !== undefined && typeof raw.user !== 'string' && typeof raw.user !== 'number') {
      throw new ComposeError(name, 'user', 'must be a string');
    }
    const ports =
      raw.ports === undefined ? [] : Array.isArray(raw.ports) ? raw.ports.map((p) => parsePort(name, p)) : [];
    if (raw.ports !== undefined && !Array.isArray(raw.ports))
      throw new ComposeError(name, 'ports', 'must be a list');
    const conditions = dependsOn(name, raw.depends_on);
    const health = healthcheck(name, raw.healthcheck);
    return {
      name,
      image: raw.image,
      environment: environment(name, raw.environment),
      mounts: volumes(name, raw.volumes, workDir),
      user: raw.user === undefined ? undefined : String(raw.user),
      ...processArgs(name, raw.command),
      capAdd:
        raw.cap_add === undefined
          ? []
          : stringList(name, 'cap_add', raw.cap_add).map((c) => (c.startsWith('CAP_') ? c : `CAP_${c}`)),
      ports,
      dependsOn: Object.keys(conditions),
      conditions,
      restart: restartPolicy(name, raw.restart),
      ...(health ? { healthcheck: health } : {}),
    };
  });
  checkConditions(services);
  return services;
}

/** `service_healthy` needs a health check to wait for (docker compose refuses the file too). */
function checkConditions(services: ServiceSpec[]): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const [dep, condition] of Object.entries(s.conditions ?? {})) {
      const d = byName.get(dep);
      if (condition === 'service_healthy' && d && !d.healthcheck)
        throw new ComposeError(
          s.name,
          `depends_on.${dep}.condition`,
          `service_healthy, but ${JSON.stringify(dep)} has no healthcheck`,
        );
    }
  }
}
