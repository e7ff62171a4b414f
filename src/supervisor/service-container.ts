import type { ContainerSpec } from '../runtime/index.js';
import type { ServiceSpec } from './compose.js';
import { SPEC_LABEL, specHash } from './adopt.js';

export const SERVICE_LABEL = 'io.faasd.service';
/** Set at every start, so `faasd service list` (another process) can show restarts and uptime. */
export const RESTARTS_LABEL = 'io.faasd.restarts';
export const STARTED_AT_LABEL = 'io.faasd.started-at';

/** The container a compose service runs in: named for the service, on the bridge, labelled as ours. */
export function serviceContainerSpec(namespace: string, s: ServiceSpec): ContainerSpec {
  return {
    namespace,
    id: s.name,
    image: s.image,
    ...(s.entrypoint ? { entrypoint: s.entrypoint } : {}),
    ...(s.command ? { args: s.command } : {}),
    env: s.environment,
    ...(s.user ? { user: s.user } : {}),
    hostname: s.name,
    mounts: s.mounts,
    labels: { [SERVICE_LABEL]: s.name, [SPEC_LABEL]: specHash(s) },
    capAdd: s.capAdd,
    network: true,
    portMappings: s.ports,
  };
}
