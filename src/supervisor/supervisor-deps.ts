import type { Containerd } from '../containerd/index.js';
import type { ContainerRuntime, ExitEventSource } from '../runtime/index.js';
import type { CniNetwork } from '../network/index.js';
import type { Logger } from '../log.js';
import type { ProbeRunner } from './exec-probe.js';

/** What the supervisor uses of containerd in its namespace (a Containerd client is one). */
export interface ServiceContainerd {
  namespaces: Pick<Containerd['namespaces'], 'ensure'>;
  containers: Pick<Containerd['containers'], 'list' | 'get' | 'setLabels'>;
  tasks: Pick<Containerd['tasks'], 'get' | 'list' | 'wait'>;
}

/** containerd as the supervisor sees it: its namespace's view, and task exit events. */
export interface SupervisorContainerd {
  inNamespace(namespace: string): ServiceContainerd;
  events: ExitEventSource;
}

export type ServiceRuntime = Pick<ContainerRuntime, 'create' | 'start' | 'remove'>;
export type ServiceNetwork = Pick<CniNetwork, 'prepareFiles' | 'reconcile' | 'address'>;

/** Puts a service's image in containerd: there already, packed from host files, or pulled (image/local-images.ts). */
export interface ServiceImages {
  ensure(ref: string): Promise<void>;
}

/** Narrow types, so a unit test's fake that lacks a method fails to compile (test/helpers/service-fakes.ts). */
export interface SupervisorDeps {
  ctd: SupervisorContainerd;
  runtime: ServiceRuntime;
  network: ServiceNetwork;
  images: ServiceImages;
  /** Runs health checks: `tasks exec` in the service's container (ExecProbe). */
  probe: ProbeRunner;
  log: Logger;
  namespace: string;
  /** First restart delay; doubles per quick failure up to `maxRestartDelayMs`. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
  /** SIGTERM to SIGKILL when `faasd up` stops (config's stopGraceMs, which holds the default). */
  stopGraceMs: number;
  /**
   * How often to look at every task besides following exit events. containerd does not promise an
   * event: one can fall between a reconnect and the new subscription, and a shim restored after a
   * containerd restart retries its publish only a few times. Default: TaskWatcher's (5 s).
   */
  recheckIntervalMs?: number;
  /** A service that ran this long before it died restarts after `restartDelayMs` again. Default 10 s. */
  stableAfterMs?: number;
  /** How long `faasd up` waits for a `service_completed_successfully` dependency. Default 10 min. */
  completionTimeoutMs?: number;
}
