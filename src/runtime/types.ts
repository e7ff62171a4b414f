import type { BindMount } from '../containerd/index.js';

/**
 * Attaches a container to the network before its task starts; the network module implements it. The
 * netns path is the one `attach` returns: a function may get a netns attached ahead under another
 * name (network/netns-pool.ts), so it is not derivable from (namespace, id).
 */
export interface NetworkAttacher {
  attach(namespace: string, id: string, opts?: { portMappings?: PortMapping[] }): Promise<Attachment>;
  detach(namespace: string, id: string): Promise<void>;
  /** Re-attaches a container whose netns is gone (after a host reboot); true when it did. */
  restore(namespace: string, id: string): Promise<boolean>;
  /** Files to bind read-only into every attached container (hosts, resolv.conf). */
  sharedMounts(): BindMount[];
}

export interface Attachment {
  netnsPath: string;
  ip: string;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
  hostIP?: string;
}

export interface ContainerSpec {
  namespace: string;
  id: string;
  /** A normalised or short image reference; it must already be in containerd. */
  image: string;
  /** Replaces the image's entrypoint when given (cmd then defaults to empty unless `args` is given). */
  entrypoint?: string[];
  /** Replaces the image's cmd. */
  args?: string[];
  /** KEY=VALUE entries appended after the image's Env (later wins). */
  env?: string[];
  cwd?: string;
  /** Any form Docker accepts (`app`, `1000`, `app:staff`, `1000:1000`), resolved in the image; its User when absent. */
  user?: string;
  hostname?: string;
  mounts?: BindMount[];
  labels?: Record<string, string>;
  /** Stored in the OCI spec (no size limit, unlike containerd labels). */
  annotations?: Record<string, string>;
  memoryLimitBytes?: number;
  cpus?: number;
  readonlyRootfs?: boolean;
  capAdd?: string[];
  capabilities?: string[];
  /** Join the network (needs a NetworkAttacher); false gives a private, empty network namespace. */
  network?: boolean;
  portMappings?: PortMapping[];
}

export interface RunningContainer {
  namespace: string;
  id: string;
  pid: number;
  ip: string | undefined;
  logPath: string;
}
