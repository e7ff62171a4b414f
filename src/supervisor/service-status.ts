import { readFile } from 'node:fs/promises';
import type { Containerd, ProcessInfo } from '../containerd/index.js';
import type { AttachmentRecord } from '../network/index.js';
import type { PortMapping } from '../runtime/index.js';
import { formatTable } from '../format/index.js';
import { RESTARTS_LABEL, SERVICE_LABEL, STARTED_AT_LABEL } from './service-container.js';

/** One compose service as `faasd service list` shows it. */
export interface ServiceStatus {
  name: string;
  image: string;
  /** The task's status in lower case (`running`, `stopped`, ...), `created` without a task, `absent` without a container. */
  state: string;
  pid: number | undefined;
  startedAt: Date | undefined;
  restarts: number;
  ip: string | undefined;
  ports: PortMapping[];
}

export interface ServiceSources {
  ctd: Containerd;
  namespace: string;
  /** The network's attachment records (IP and published ports). */
  records: () => Promise<AttachmentRecord[]>;
  /** Names the compose file declares, so a service that is not there at all is listed too. */
  declared: string[];
}

/** Reads containers, tasks and attachments of the core namespace: what the supervisor left on them. */
export async function serviceStatuses(s: ServiceSources): Promise<ServiceStatus[]> {
  const c = s.ctd.inNamespace(s.namespace);
  const [containers, tasks, records] = await Promise.all([
    c.containers.list(`labels."${SERVICE_LABEL}"`),
    c.tasks.list(),
    s.records(),
  ]);
  const taskOf = new Map<string, ProcessInfo>(tasks.map((t) => [t.containerId, t]));
  const out: ServiceStatus[] = containers.map((ct) => {
    const task = taskOf.get(ct.id);
    const rec = records.find((r) => r.namespace === s.namespace && r.id === ct.id);
    const started = ct.labels[STARTED_AT_LABEL];
    return {
      name: ct.id,
      image: ct.image,
      state: task ? task.status.toLowerCase() : 'created',
      pid: task?.status === 'RUNNING' ? task.pid : undefined,
      startedAt: started && task?.status === 'RUNNING' ? new Date(started) : undefined,
      restarts: Number(ct.labels[RESTARTS_LABEL] ?? 0),
      ip: rec?.ip,
      ports: rec?.portMappings ?? [],
    };
  });
  for (const name of s.declared)
    if (!out.some((o) => o.name === name))
      out.push({
        name,
        image: '',
        state: 'absent',
        pid: undefined,
        startedAt: undefined,
        restarts: 0,
        ip: undefined,
        ports: [],
      });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** "3d4h", "5m2s": the largest two units. */
export function formatUptime(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const parts: string[] = [];
  let rest = Math.max(0, ms);
  for (const [u, size] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${u}`);
    if (parts.length === 2) break;
  }
  return parts.length ? parts.join('') : '0s';
}

export function formatPort(p: PortMapping): string {
  return `${p.hostIP ?? '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

export function formatServiceTable(list: ServiceStatus[], now: number): string {
  return formatTable(
    ['NAME', 'IMAGE', 'STATE', 'UPTIME', 'RESTARTS', 'IP', 'PORTS'],
    list.map((s) => [
      s.name,
      s.image,
      s.state,
      s.startedAt ? formatUptime(now - s.startedAt.getTime()) : '-',
      String(s.restarts),
      s.ip ?? '-',
      s.ports.map(formatPort).join(', ') || '-',
    ]),
  );
}

/** The nameservers containers get now: the resolv.conf the network writes and bind-mounts. */
export async function nameserversIn(resolvConf: string): Promise<string[]> {
  const text = await readFile(resolvConf, 'utf8').catch(() => '');
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1] ?? '').filter(Boolean);
}
