import { Containerd } from '../containerd/index.js';
import { coreLogDir, functionLogDir, shimWrapperFile, type FaasdConfig } from '../config/index.js';
import { RegistryClient } from '../image/index.js';
import { ContainerRuntime, ensureShimWrapper } from '../runtime/index.js';
import { networkFromConfig, type CniNetwork } from '../network/index.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/** The host's clients, built the same way for every command: one containerd connection for all of them. */
export interface Host {
  config: FaasdConfig;
  /** Seen through the core namespace; `inNamespace` gives the others over the same connection. */
  containerd: Containerd;
  network: CniNetwork;
  /** Core containers (logs in `<stateDir>/logs`). */
  coreRuntime: ContainerRuntime;
  /** Functions (logs in `<providerDir>/logs`, where the provider's logs route reads them). */
  functionRuntime: ContainerRuntime;
  registry: RegistryClient;
  close(): void;
}

export interface OpenHostOptions {
  log: Logger;
  /**
   * How long to wait for containerd. Without it, as long as it takes (a daemon: containerd may start
   * after us, or be restarting), logging each retry, until `signal` aborts.
   */
  waitMs?: number;
  signal?: AbortSignal;
  /** The network, when the caller built it first (the daemon prepares it while containerd answers). */
  network?: CniNetwork;
}

/** Connects to containerd (waiting as told) and builds the clients on top; rejects when `signal` aborts. */
export async function openHost(config: FaasdConfig, o: OpenHostOptions): Promise<Host> {
  const containerd = Containerd.connect(config.address, config.namespace);
  try {
    if (o.waitMs !== undefined) await containerd.waitReady(o.waitMs);
    else
      await containerd.waitUntilReady({
        ...(o.signal ? { signal: o.signal } : {}),
        onRetry: (err, inMs, attempt) =>
          o.log.warn('containerd is not reachable; retrying', {
            address: config.address,
            error: errorMessage(err),
            in_ms: inMs,
            attempt,
          }),
      });
  } catch (err) {
    containerd.close();
    throw err;
  }
  const network = o.network ?? networkFromConfig(config);
  // Written before any container can name it; core services and functions alike (shim-wrapper.ts).
  let shimRuntime: string | undefined;
  try {
    shimRuntime = config.shimMountNamespace ? await ensureShimWrapper(shimWrapperFile(config)) : undefined;
  } catch (err) {
    containerd.close();
    throw err;
  }
  const coreRuntime = new ContainerRuntime(containerd, {
    logDir: coreLogDir(config),
    network,
    stopGraceMs: config.stopGraceMs,
    log: o.log,
    shimRuntime,
  });
  // Functions share runc shims (runtime/shim-groups.ts); core services keep one each. The spread
  // label is the provider's FUNCTION_LABEL: replicas of one function go to different shims.
  const functionRuntime = new ContainerRuntime(containerd, {
    logDir: functionLogDir(config),
    network,
    stopGraceMs: config.stopGraceMs,
    log: o.log,
    shimGroups: { spreadLabel: 'io.faasd.function' },
    shimRuntime,
  });
  return {
    config,
    containerd,
    network,
    coreRuntime,
    functionRuntime,
    registry: new RegistryClient({
      insecure: config.insecureRegistries,
      dockerConfigPath: config.dockerConfig,
    }),
    close: () => {
      // Log readers stop with the process; containers and their FIFOs stay (resumeLogs reads on).
      void coreRuntime.close();
      void functionRuntime.close();
      containerd.close();
    },
  };
}

/** Runs `fn` with the host's clients and closes them after it (one-shot commands: wait at most 5 s). */
export async function withHost<T>(
  config: FaasdConfig,
  log: Logger,
  fn: (host: Host) => Promise<T>,
): Promise<T> {
  const host = await openHost(config, { log, waitMs: 5_000 });
  try {
    return await fn(host);
  } finally {
    host.close();
  }
}
