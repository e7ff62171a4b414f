import type { ServiceSpec } from '../../src/supervisor/compose.js';

/** A compose service as parseCompose gives it: nothing set but its name and image, unless `extra` says. */
export function serviceSpec(name: string, extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image: `faasd.test/${name}:1`,
    environment: [],
    mounts: [],
    user: undefined,
    command: undefined,
    entrypoint: undefined,
    capAdd: [],
    ports: [],
    // A dependency with a condition is one the service depends on (as parseCompose makes them).
    dependsOn: Object.keys(extra.conditions ?? {}),
    ...extra,
  };
}
