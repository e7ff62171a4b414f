import type { Containerd } from '../containerd/index.js';
import { buildSpec } from '../containerd/index.js';
import type { ImageConfig } from '../image/index.js';
import type { ResolvedUser } from './user.js';
import type { ContainerSpec } from './types.js';

/** What a create resolved before making anything: the image, the process, the host's limits. */
export interface RecordParts {
  image: { name: string; chainId: string; config: ImageConfig };
  args: string[];
  env: string[];
  user: ResolvedUser;
  nofile: number;
  /** The netns the task will join (attached at the same time, by the network). */
  netnsPath: string | undefined;
  mounts: NonNullable<ContainerSpec['mounts']>;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  /** The shim containerd runs for it (kept in the record); containerd's runc v2 when absent. */
  runtime?: string | undefined;
}

/**
 * The snapshot and the container record. Each thing made pushes its undo onto `cleanups` as soon as
 * it exists, so a failure here or in the attach beside it removes exactly what was made.
 */
export async function createRecord(
  ctd: Containerd,
  spec: ContainerSpec,
  p: RecordParts,
  cleanups: (() => Promise<void>)[],
): Promise<void> {
  // A lease from prepare until the container refers to the snapshot: GC may remove it in between.
  await ctd.leases.with('faasd-create', async (lease) => {
    await ctd.snapshots.prepare(spec.id, p.image.chainId, {}, { lease });
    cleanups.push(() => ctd.snapshots.remove(spec.id));
    const ociSpec = buildSpec({
      namespace: spec.namespace,
      id: spec.id,
      args: p.args,
      env: p.env,
      cwd: spec.cwd ?? (p.image.config.config?.WorkingDir || '/'),
      uid: p.user.uid,
      gid: p.user.gid,
      additionalGids: p.user.additionalGids,
      nofile: p.nofile,
      hostname: spec.hostname ?? spec.id,
      mounts: p.mounts,
      ...(p.netnsPath ? { netnsPath: p.netnsPath } : {}),
      ...(spec.memoryLimitBytes ? { memoryLimitBytes: spec.memoryLimitBytes } : {}),
      ...(spec.cpus ? { cpus: spec.cpus } : {}),
      ...(spec.readonlyRootfs ? { readonlyRootfs: true } : {}),
      ...(spec.capAdd ? { capAdd: spec.capAdd } : {}),
      ...(spec.capabilities ? { capabilities: spec.capabilities } : {}),
      ...(Object.keys(p.annotations).length > 0 ? { annotations: p.annotations } : {}),
    });
    await ctd.containers.create({
      id: spec.id,
      image: p.image.name,
      labels: p.labels,
      spec: ociSpec,
      snapshotter: ctd.snapshots.snapshotter,
      snapshotKey: spec.id,
      runtime: p.runtime,
    });
    cleanups.push(() => ctd.containers.delete(spec.id));
  });
}
