/**
 * OCI runtime spec builder. The defaults are those of containerd's own default Linux spec (mounts,
 * capabilities, masked and read-only paths), so a container runs here as under ctr; NOFILE is Docker's.
 */
export interface BindMount {
  source: string;
  destination: string;
  readonly?: boolean;
}

export interface SpecOptions {
  /** containerd namespace and container id: the cgroups path is `/<namespace>/<id>`. */
  namespace: string;
  id: string;
  args: string[];
  env?: string[];
  cwd?: string;
  uid?: number;
  gid?: number;
  additionalGids?: number[];
  hostname?: string;
  mounts?: BindMount[];
  /** Path of a network namespace to join; absent means a new, empty one. */
  netnsPath?: string;
  memoryLimitBytes?: number;
  /** CPU limit in cores (0.5 = half a core). */
  cpus?: number;
  readonlyRootfs?: boolean;
  /** Extra capabilities (e.g. CAP_NET_ADMIN) on top of the default set. */
  capAdd?: string[];
  /** Replaces the default capability set when given. */
  capabilities?: string[];
  /** RLIMIT_NOFILE, soft and hard; NOFILE_LIMIT when absent. */
  nofile?: number;
  /** OCI annotations: kept with the container in containerd, read back with specOf(). */
  annotations?: Record<string, string>;
}

export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/sys/firmware',
  '/proc/scsi',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/**
 * Open files per container, soft and hard, as Docker gives them. containerd's default spec leaves 1024,
 * which let ~1,100 slow connections exhaust the gateway (issue #17).
 */
export const NOFILE_LIMIT = 1_048_576;

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

function defaultMounts(): OciMount[] {
  const tmpfs = (destination: string, extra: string[]): OciMount => ({
    destination,
    type: 'tmpfs',
    source: 'tmpfs',
    options: ['nosuid', 'strictatime', ...extra],
  });
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    tmpfs('/dev', ['mode=755', 'size=65536k']),
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    tmpfs('/run', ['mode=755', 'size=65536k']),
  ];
}

function hasPath(env: string[]): boolean {
  return env.some((e) => e.startsWith('PATH='));
}

export function buildSpec(o: SpecOptions): Record<string, unknown> {
  const env = o.env ?? [];
  const caps = [...new Set([...(o.capabilities ?? DEFAULT_CAPS), ...(o.capAdd ?? [])])];
  const mounts = defaultMounts();
  if (o.readonlyRootfs) {
    mounts.push({
      destination: '/tmp',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'nodev', 'mode=1777'],
    });
  }
  for (const m of o.mounts ?? []) {
    mounts.push({
      destination: m.destination,
      type: 'bind',
      source: m.source,
      options: ['rbind', m.readonly ? 'ro' : 'rw'],
    });
  }
  const resources: Record<string, unknown> = { devices: [{ allow: false, access: 'rwm' }] };
  if (o.memoryLimitBytes) resources.memory = { limit: o.memoryLimitBytes, swap: o.memoryLimitBytes };
  if (o.cpus) {
    const period = 100_000;
    resources.cpu = { quota: Math.max(1000, Math.round(o.cpus * period)), period };
  }
  const namespaces: Record<string, string>[] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
    o.netnsPath ? { type: 'network', path: o.netnsPath } : { type: 'network' },
  ];
  return {
    ociVersion: '1.0.2-dev',
    root: { path: 'rootfs', readonly: o.readonlyRootfs ?? false },
    process: {
      terminal: false,
      user: {
        uid: o.uid ?? 0,
        gid: o.gid ?? 0,
        ...(o.additionalGids ? { additionalGids: o.additionalGids } : {}),
      },
      args: o.args,
      env: hasPath(env) ? env : [DEFAULT_PATH, ...env],
      cwd: o.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: o.nofile ?? NOFILE_LIMIT, soft: o.nofile ?? NOFILE_LIMIT }],
      noNewPrivileges: true,
    },
    hostname: o.hostname ?? o.id,
    ...(o.annotations ? { annotations: o.annotations } : {}),
    mounts,
    linux: {
      resources,
      cgroupsPath: `/${o.namespace}/${o.id}`,
      namespaces,
      maskedPaths: MASKED_PATHS,
      readonlyPaths: READONLY_PATHS,
    },
  };
}
