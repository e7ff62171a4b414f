import { createHash } from 'node:crypto';
import type { ContainerRecord } from '../containerd/index.js';
import type { ServiceSpec } from './compose.js';

/** The hash of the spec a core container was made from: a restarted daemon keeps it while it matches. */
export const SPEC_LABEL = 'io.faasd.spec';

/** Everything that makes the container what it is (not depends_on: order only). */
export function specHash(s: ServiceSpec): string {
  const defining = {
    name: s.name,
    image: s.image,
    environment: s.environment,
    mounts: s.mounts,
    user: s.user ?? null,
    command: s.command ?? null,
    entrypoint: s.entrypoint ?? null,
    capAdd: s.capAdd,
    ports: s.ports,
  };
  return createHash('sha256').update(JSON.stringify(defining)).digest('hex').slice(0, 32);
}

/**
 * Whether a container a previous run left (after a crash: a clean stop removes them) can be kept as
 * the service's: made from the same spec, its task running, its network attachment still there.
 */
export function adoptable(
  c: ContainerRecord,
  spec: ServiceSpec | undefined,
  taskStatus: string | undefined,
  address: string | undefined,
): boolean {
  return (
    spec !== undefined &&
    c.id === spec.name &&
    c.labels[SPEC_LABEL] === specHash(spec) &&
    taskStatus === 'RUNNING' &&
    address !== undefined
  );
}
