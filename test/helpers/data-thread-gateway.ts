import { LocalBackend, serveGateway } from '../../src/gateway/index.js';
import type { DataPathOptions } from '../../src/gateway/data-path.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { createProviderHandler } from '../../src/provider/index.js';
import type { Resolver } from '../../src/provider/resolver.js';
import type { Logger } from '../../src/log.js';
import { DEFAULT_NS, FakeFunctions, FakeNamespaces, FakeSecrets } from './edge-fakes.js';

/**
 * The daemon's gateway with its data-path thread, on loopback: the provider's real handler, invoker
 * and `resolver` over fake stores, functions at `functionPort`. `dataPath`: when the thread starts.
 */
export function gatewayWithDataThread(o: {
  functions: FakeFunctions;
  resolver: Resolver;
  functionPort: number;
  log: Logger;
  dataPath: Pick<DataPathOptions, 'startWhenBusy' | 'trigger'>;
}): Promise<RunningGateway> {
  const namespaces = new FakeNamespaces();
  const credentials = { user: 'admin', password: 'secret' };
  const provider = createProviderHandler({
    logDir: '/nonexistent',
    functions: o.functions,
    namespaces,
    secrets: new FakeSecrets(),
    resolver: o.resolver,
    credentials,
    log: o.log,
    functionPort: o.functionPort,
  });
  return serveGateway({
    backend: new LocalBackend({ functions: o.functions, namespaces, provider }),
    credentials,
    natsUrl: undefined,
    prometheusUrl: undefined,
    defaultNamespace: DEFAULT_NS,
    scaleFromZeroTimeoutMs: 5000,
    listen: [{ host: '127.0.0.1', port: 0 }],
    limits: SERVER_LIMIT_DEFAULTS,
    log: o.log,
    dataPath: {
      routes: o.resolver,
      upstreamTimeoutMs: 30_000,
      functionPort: o.functionPort,
      functionMaxConnections: 16,
      stopGraceMs: 1000,
      ...o.dataPath,
    },
  });
}
