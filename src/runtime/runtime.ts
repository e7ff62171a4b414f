import type { Containerd, ExitStatus } from '../containerd/index.js';
import { isAlreadyExists, RUNC_RUNTIME } from '../containerd/index.js';
import { resolveImage, type ImageConfig } from '../image/index.js';
import { AlreadyExistsError, InvalidArgumentError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import { logPath, prepareLog } from './logs.js';
import { LogCollector } from './log-collector.js';
import { SHIM_GROUP_ANNOTATION, SHIM_GROUP_LABEL, ShimGroups, type ShimGroupOptions } from './shim-groups.js';
import { imageUser } from './image-user.js';
import { createRetryingShimRace } from './shim-start.js';
import { UserFilesCache } from './user-files-cache.js';
import { createRecord } from './container-record.js';
import { Laps } from '../laps.js';
import { hostNofileLimit } from './rlimit.js';
import { removeContainer, stopTask, type TeardownParts } from './stop-remove.js';
import type { ContainerSpec, NetworkAttacher, RunningContainer } from './types.js';

export interface RuntimeOptions {
  /** Containers' output lives in `<logDir>/<namespace>/<id>.log` (see logs.ts). */
  logDir: string;
  network?: NetworkAttacher | undefined;
  /** Time between SIGTERM and SIGKILL when stopping. */
  stopGraceMs?: number;
  /** Several containers per runc shim (shim-groups.ts); absent: one shim per container. */
  shimGroups?: ShimGroupOptions;
  /** The runtime new containers name (an absolute path: shim-wrapper.ts); containerd's runc v2 when absent. */
  shimRuntime?: string | undefined;
  /** Where the log collector reports lines it could not write. */
  log?: Logger;
}

export const IMAGE_LABEL = 'io.faasd.image';

/** Process args from the image config and the overrides, Docker's way. */
export function processArgs(config: ImageConfig, spec: ContainerSpec): string[] {
  const entrypoint = spec.entrypoint ?? config.config?.Entrypoint ?? [];
  const cmd = spec.args ?? (spec.entrypoint ? [] : (config.config?.Cmd ?? []));
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new InvalidArgumentError(
      'command',
      `container ${spec.id}: image ${spec.image} has no entrypoint or cmd`,
    );
  }
  return args;
}

/**
 * One container's life, the same for core services and functions: create (image and user, then the
 * network beside the snapshot + container and the log FIFOs), start (task), stop (SIGTERM, grace,
 * SIGKILL), remove (task, container, snapshot, network).
 */
export class ContainerRuntime {
  private readonly graceMs: number;
  /** The runtime every new container names (runc v2, or the wrapper of shim-wrapper.ts). */
  private readonly shimRuntime: string;
  /** Read once: what this host lets a container have (rlimit.ts). */
  private nofile: Promise<number> | undefined;
  /** Every container's output, read by this process (log-collector.ts). */
  private readonly logs: LogCollector;
  private readonly groups: ShimGroups | undefined;
  private readonly teardown: TeardownParts;
  /** Each image's passwd and group, read once (user-files-cache.ts). */
  private readonly userFiles = new UserFilesCache();

  constructor(
    private readonly ctd: Containerd,
    private readonly opts: RuntimeOptions,
  ) {
    this.graceMs = opts.stopGraceMs ?? 5_000;
    this.shimRuntime = opts.shimRuntime ?? RUNC_RUNTIME;
    this.logs = new LogCollector(opts.logDir, opts.log ? { log: opts.log } : {});
    this.groups = opts.shimGroups
      ? new ShimGroups((ns) => this.in(ns).containers.list(), {
          ...opts.shimGroups,
          runtime: this.shimRuntime,
        })
      : undefined;
    this.teardown = { logs: this.logs, groups: this.groups, network: opts.network, logDir: opts.logDir };
  }

  private in(namespace: string): Containerd {
    return this.ctd.inNamespace(namespace);
  }

  /**
   * Attaches the container's network, then creates the container; its task is not started. The log
   * FIFOs are made beside the attach. The container record comes only after the attach: a crash in
   * between leaves an attachment for no container, which reconcile removes — never a container whose
   * attachment is half made (its task would start in a netns reconcile then takes away). Running the
   * two at once gained nothing measurable on two cores (docs/field-notes.md). When any part fails,
   * all are undone. `timing` gets each step's ms (`create_<step>_ms`).
   */
  async create(spec: ContainerSpec, timing?: Record<string, number>): Promise<{ ip: string | undefined }> {
    const laps = new Laps(timing, 'create_');
    const ctd = this.in(spec.namespace);
    await ctd.namespaces.ensure(spec.namespace);
    if (await ctd.containers.get(spec.id))
      throw new AlreadyExistsError('container', `${spec.namespace}/${spec.id}`);
    const image = await resolveImage(ctd, spec.image);
    const args = processArgs(image.config, spec);
    const env = [...(image.config.config?.Env ?? []), ...(spec.env ?? [])];
    const user = await imageUser(ctd, this.userFiles, spec, image, env);
    if (!env.some((e) => e.startsWith('HOME='))) env.push(`HOME=${user.home}`);
    const nofile = await (this.nofile ??= hostNofileLimit());
    laps.lap('image');
    const net = spec.network ? this.opts.network : undefined;
    if (spec.network && !net)
      throw new InvalidArgumentError('network', 'no network is configured for this runtime');
    const cleanups: (() => Promise<void>)[] = [];
    try {
      const group = await this.groups?.assign(spec.namespace, spec.id, spec.labels);
      if (group) cleanups.push(() => this.groups?.release(spec.namespace, spec.id) ?? Promise.resolve());
      if (net) cleanups.push(() => net.detach(spec.namespace, spec.id));
      cleanups.push(() => this.logs.forget(spec.namespace, spec.id, 0));
      // allSettled: the undo below must not run while another part is still making things. The log
      // FIFOs are made here (mkfifo is a process's start), not in the start that waits on them.
      const [attached, fifos] = await Promise.allSettled([
        net?.attach(spec.namespace, spec.id, { portMappings: spec.portMappings ?? [] }),
        prepareLog(this.opts.logDir, spec.namespace).then(() => this.logs.prepare(spec.namespace, spec.id)),
      ]);
      if (attached.status === 'rejected') throw attached.reason;
      if (fifos.status === 'rejected') throw fifos.reason;
      laps.lap('attach');
      await createRecord(
        ctd,
        spec,
        {
          image,
          args,
          env,
          user,
          nofile,
          // The attach's netns, whatever its name: a pooled one keeps the name it was made under.
          netnsPath: attached.value?.netnsPath,
          runtime: this.shimRuntime,
          mounts: [...(net ? net.sharedMounts() : []), ...(spec.mounts ?? [])],
          annotations: { ...spec.annotations, ...(group ? { [SHIM_GROUP_ANNOTATION]: group } : {}) },
          labels: {
            ...(spec.labels ?? {}),
            [IMAGE_LABEL]: image.name,
            ...(group ? { [SHIM_GROUP_LABEL]: group } : {}),
          },
        },
        cleanups,
      );
      laps.lap('record');
      return { ip: attached.value?.ip };
    } catch (err) {
      // Reverse order: the container record, its snapshot, the FIFOs, the attachment, the shim group.
      for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
      if (isAlreadyExists(err))
        throw new AlreadyExistsError('container', `${spec.namespace}/${spec.id}`, { cause: err });
      throw err;
    }
  }

  /**
   * Starts the container's task with stdout and stderr going through FIFOs that this process reads
   * into its log file (log-collector.ts). `timing` gets each step's ms (`start_<step>_ms`).
   */
  async start(namespace: string, id: string, timing?: Record<string, number>): Promise<RunningContainer> {
    const laps = new Laps(timing, 'start_');
    const ctd = this.in(namespace);
    const container = await ctd.containers.get(id);
    if (!container) throw new NotFoundError('container', `${namespace}/${id}`);
    const stale = await ctd.tasks.get(id);
    if (stale) await stopTask(ctd, this.logs, namespace, id, this.graceMs);
    laps.lap('get');
    // After a host reboot the container outlives its netns; a task cannot start without one.
    await this.opts.network?.restore(namespace, id);
    laps.lap('restore');
    await prepareLog(this.opts.logDir, namespace);
    const log = logPath(this.opts.logDir, namespace, id);
    const rootfs = await ctd.snapshots.mounts(container.snapshotKey);
    laps.lap('mounts');
    // A reader left from an earlier task (its shim gone without closing its end) gives way to a new one.
    await this.logs.detach(namespace, id, 0);
    const fifos = await this.logs.attach(namespace, id);
    laps.lap('fifos');
    try {
      await createRetryingShimRace(() =>
        ctd.tasks.create({ containerId: id, rootfs, stdout: fifos.stdout, stderr: fifos.stderr }),
      );
    } catch (err) {
      await this.logs.detach(namespace, id, 0);
      throw err;
    }
    laps.lap('task_create');
    const pid = await ctd.tasks.start(id);
    laps.lap('task_start');
    return { namespace, id, pid, ip: undefined, logPath: log };
  }

  /**
   * Reads on from the log FIFOs of this runtime's running containers (after a restart of the daemon);
   * call it once at start, before anything is started or removed. Returns `namespace/id` of each.
   */
  resumeLogs(): Promise<string[]> {
    return this.logs.resume(async (ns) => {
      const live = new Set<string>();
      for (const t of await this.in(ns)
        .tasks.list()
        .catch(() => [])) {
        if (t.status === 'RUNNING' || t.status === 'PAUSED' || t.status === 'CREATED')
          live.add(t.containerId);
      }
      return live;
    });
  }

  /** Stops reading logs (the process is stopping; the containers and their FIFOs stay). */
  close(): Promise<void> {
    return this.logs.close();
  }

  async run(spec: ContainerSpec): Promise<RunningContainer> {
    const { ip } = await this.create(spec);
    try {
      const running = await this.start(spec.namespace, spec.id);
      return { ...running, ip };
    } catch (err) {
      await this.remove(spec.namespace, spec.id).catch(() => undefined);
      throw err;
    }
  }

  /** Waits for the task to exit (it must exist). */
  wait(namespace: string, id: string, signal?: AbortSignal): Promise<ExitStatus> {
    return this.in(namespace).tasks.wait(id, signal);
  }

  /** Stops the task (SIGTERM, grace period, SIGKILL) and deletes it; the container stays. */
  async stop(namespace: string, id: string, graceMs = this.graceMs): Promise<ExitStatus | undefined> {
    return stopTask(this.in(namespace), this.logs, namespace, id, graceMs);
  }

  /** Removes everything of the container: task, container record, snapshot, network, and its log. */
  async remove(
    namespace: string,
    id: string,
    opts: { keepLog?: boolean; graceMs?: number } = {},
  ): Promise<void> {
    return removeContainer(this.in(namespace), this.teardown, namespace, id, {
      keepLog: opts.keepLog ?? false,
      graceMs: opts.graceMs ?? this.graceMs,
    });
  }
}
