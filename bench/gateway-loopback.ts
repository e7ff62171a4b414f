// bench/gateway-loopback: the invoke path alone, without containerd or CNI: bench/fn-server.c on
// 127.0.0.1, the provider and the in-process gateway (as in the daemon) in this process on loopback,
// over fake function and namespace stores. wrk -t2 -c8: the function alone, via provider, via gateway.
// Usage: node --import tsx bench/gateway-loopback.ts [ROUNDS] [alone,provider,gateway,healthz]
// (no root needed; add --cpu-prof before --import to profile the servers)
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLimitedServer, SERVER_LIMIT_DEFAULTS } from '../src/http/index.js';
import { createProviderHandler } from '../src/provider/index.js';
import { Resolver } from '../src/provider/resolver.js';
import { LocalBackend, Scaler, createGatewayHandler } from '../src/gateway/index.js';
import {
  DEFAULT_NS,
  FakeFunctions,
  FakeNamespaces,
  FakeSecrets,
  quietLogger,
} from '../test/helpers/edge-fakes.js';
import { pollUntil } from '../test/helpers/wait.js';
import { compileFnServer } from './compiled-function.js';
import { wrk } from './wrk.js';

const rounds = Number(process.argv[2] ?? 3);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 20)
  throw new RangeError(`rounds ${process.argv[2]} is invalid: use 1..20`);
const only = process.argv[3]?.split(',');
const LOAD = { threads: 2, connections: 8, durationS: 5 } as const;

async function listen(s: Server): Promise<string> {
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const dir = await mkdtemp(join(tmpdir(), 'faasd-gw-loopback-'));
const bin = join(dir, 'fn-server');
await compileFnServer(bin);
// A port of its own in the dynamic range; fn-server takes it from argv.
const fnPort = 20000 + Math.floor(Math.random() * 20000);
const fn = spawn(bin, [String(fnPort)], { stdio: 'ignore' });
const servers: Server[] = [];
const log = quietLogger();
try {
  await pollUntil('fn-server to answer', async () =>
    (await fetch(`http://127.0.0.1:${fnPort}/`).catch(() => undefined))?.ok ? true : undefined,
  );
  const functions = new FakeFunctions();
  functions.hosts.set(`${DEFAULT_NS}/fn`, '127.0.0.1');
  const namespaces = new FakeNamespaces();
  const provider = createProviderHandler({
    logDir: '/nonexistent',
    functions,
    namespaces,
    secrets: new FakeSecrets(),
    resolver: new Resolver(async () => ['127.0.0.1']),
    credentials: { user: 'admin', password: 'secret' },
    log,
    functionPort: fnPort,
  });
  const backend = new LocalBackend({ functions, namespaces, provider });
  const gateway = createGatewayHandler({
    backend,
    credentials: { user: 'admin', password: 'secret' },
    scaler: new Scaler(backend, { cacheMs: 2000, timeoutMs: 5000, pollMs: 50 }),
    queue: undefined,
    log,
    defaultNamespace: DEFAULT_NS,
    prometheusUrl: undefined,
    asyncBodyLimit: 1024,
  });
  const p = createLimitedServer((req, res) => provider.handle(req, res), SERVER_LIMIT_DEFAULTS);
  const g = createLimitedServer((req, res) => gateway.handle(req, res), SERVER_LIMIT_DEFAULTS);
  servers.push(p, g);
  const [pUrl, gUrl] = [await listen(p), await listen(g)];
  const urls = {
    alone: `http://127.0.0.1:${fnPort}/`,
    provider: `${pUrl}/function/fn`,
    gateway: `${gUrl}/function/fn`,
    healthz: `${gUrl}/healthz`,
  };
  await wrk(urls.gateway, { ...LOAD, durationS: 1 });
  for (let r = 1; r <= rounds; r++) {
    for (const [name, url] of Object.entries(urls)) {
      if (only && !only.includes(name)) continue;
      const load = loadavg()[0]?.toFixed(2);
      const cpu = process.cpuUsage();
      const w = await wrk(url, LOAD);
      // CPU time of this process (the servers) per request: far less sensitive to other load than req/s.
      const used = process.cpuUsage(cpu);
      const perRequest = w.requests ? ((used.user + used.system) / w.requests).toFixed(1) : '-';
      process.stdout.write(
        `round ${r} ${name.padEnd(8)} ${String(w.rps).padStart(6)} req/s  p50 ${w.p50ms} ms  p99 ${w.p99ms} ms` +
          `  ${perRequest} us CPU/req  errors ${w.errors}  load ${load}\n`,
      );
    }
  }
  provider.close();
} finally {
  for (const s of servers) s.close();
  fn.kill();
  await rm(dir, { recursive: true, force: true });
}
