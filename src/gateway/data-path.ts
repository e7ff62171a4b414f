import type { Server } from 'node:http';
import { listenAll } from '../http/index.js';
import type { ConnectionBalance } from './connection-balance.js';
import type { TriggerOptions } from './data-thread-trigger.js';
import { DataThread, type RouteSource } from './data-thread.js';
import { dataWorkerCode, type WorkerCode } from './data-worker-code.js';
import type { createGatewayHandler } from './gateway.js';
import type { ServeGatewayOptions } from './serve.js';

/** What the data-path thread needs of the daemon: the provider's resolver and the invoke settings. */
export interface DataPathOptions {
  routes: RouteSource & { invalidate(namespace: string, name: string): void };
  upstreamTimeoutMs: number;
  functionPort: number;
  functionMaxConnections: number;
  stopGraceMs: number;
  /** Default: dataWorkerCode() (the thread's code where this process runs from). */
  code?: WorkerCode;
  /** false: start the thread with the gateway (tests); default: only while the main thread is busy. */
  startWhenBusy?: boolean;
  /** When "busy" and "quiet" are (data-thread-trigger.ts's defaults). */
  trigger?: TriggerOptions;
}

/**
 * Starts the data-path thread beside the listening gateway: a loopback listener of the full handler
 * for what it hands over, the thread, and the balance on the main thread's servers. A thread that
 * cannot start is logged and left out: the main thread serves alone, as without it.
 */
export async function startDataPath(
  o: Pick<ServeGatewayOptions, 'log' | 'limits' | 'defaultNamespace'>,
  dp: DataPathOptions,
  listening: Server[],
  counts: Int32Array,
  balance: ConnectionBalance,
  handler: ReturnType<typeof createGatewayHandler>,
  servers: { close(): void }[],
): Promise<DataThread | undefined> {
  const code = dp.code ?? dataWorkerCode();
  if (!code) {
    o.log.warn('no data-path thread code in this build; the main thread serves alone');
    return undefined;
  }
  const relay = await listenAll(['127.0.0.1'], 0, (req, res) => handler.handle(req, res), o.limits, o.log);
  servers.push(relay);
  for (const s of listening) s.on('connection', balance.onConnection);
  const thread = new DataThread({
    listeners: listening,
    relayPort: relay.ports[0] ?? 0,
    counts,
    routes: dp.routes,
    sink: {
      merge: (deltas) => handler.merge(deltas),
      refused: (namespace, name) => dp.routes.invalidate(namespace, name),
    },
    settings: {
      limits: o.limits,
      upstreamTimeoutMs: dp.upstreamTimeoutMs,
      functionPort: dp.functionPort,
      functionMaxConnections: dp.functionMaxConnections,
      defaultNamespace: o.defaultNamespace,
      stopGraceMs: dp.stopGraceMs,
    },
    log: o.log,
    code,
    onServing: () => balance.recheckAll(),
    invocations: () => handler.invocations(),
  });
  if (dp.startWhenBusy === false) {
    try {
      await thread.start();
    } catch (err) {
      o.log.error('data-path thread did not start; the main thread serves alone', {
        error: (err as Error).message,
      });
      await thread.stop();
      return undefined;
    }
  } else thread.startWhenBusy(dp.trigger);
  return thread;
}
