import type { Command } from 'commander';
import { Containerd } from '../containerd/index.js';
import type { FaasdConfig } from '../config/index.js';
import { networkFromConfig } from '../network/index.js';
import { FUNCTION_LABEL } from '../provider/index.js';
import {
  SERVICE_LABEL,
  composePath,
  formatServiceTable,
  formatTopTable,
  loadCompose,
  nameserversIn,
  parseLines,
  parseSince,
  restartService,
  sampleTop,
  serviceLogs,
  serviceStatuses,
  type TopTarget,
} from '../supervisor/index.js';
import { configFrom, withContainerd, type GlobalFlags } from './context.js';
import { runAction } from './run.js';

async function declaredServices(cfg: FaasdConfig): Promise<string[]> {
  // Without a readable compose file, the containers alone are listed.
  return (await loadCompose(composePath(cfg.stateDir)).catch(() => [])).map((s) => s.name);
}

async function listServices(cfg: FaasdConfig, json: boolean): Promise<void> {
  const network = networkFromConfig(cfg);
  const declared = await declaredServices(cfg);
  const list = await withContainerd(cfg, (ctd) =>
    serviceStatuses({ ctd, namespace: cfg.namespace, records: () => network.records(), declared }),
  );
  const inUse = await nameserversIn(network.resolvPath);
  const dns = {
    configured: cfg.dns,
    inUse,
    source: cfg.dns.length ? 'configured (--dns, FAASD_DNS or the config file)' : "the host's",
  };
  if (json) {
    process.stdout.write(`${JSON.stringify({ services: list, dns }, null, 2)}\n`);
    return;
  }
  process.stdout.write(formatServiceTable(list, Date.now()));
  const pending =
    cfg.dns.length && cfg.dns.join(',') !== inUse.join(',')
      ? ` (${cfg.dns.join(', ')} from the next start)`
      : '';
  process.stdout.write(`\nDNS: ${inUse.join(', ') || '-'}: ${dns.source}${pending}\n`);
}

/** Running containers of the core services and of every function namespace. */
async function topTargets(ctd: Containerd, cfg: FaasdConfig): Promise<TopTarget[]> {
  const namespaces = (await ctd.namespaces.list())
    .filter((n) => n.labels.openfaas === '1' || n.name === cfg.functionNamespace)
    .map((n) => n.name);
  const groups: [TopTarget['kind'], string, string][] = [
    ['service', cfg.namespace, SERVICE_LABEL],
    ...namespaces.map((ns): [TopTarget['kind'], string, string] => ['function', ns, FUNCTION_LABEL]),
  ];
  const targets: TopTarget[] = [];
  for (const [kind, ns, label] of groups) {
    const c = ctd.inNamespace(ns);
    const running = new Set(
      (await c.tasks.list()).filter((t) => t.status === 'RUNNING').map((t) => t.containerId),
    );
    for (const ct of await c.containers.list(`labels."${label}"`))
      if (running.has(ct.id)) targets.push({ kind, namespace: ns, id: ct.id });
  }
  return targets;
}

export function registerServiceCommands(program: Command): void {
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();
  const cfgWith = (stateDir?: string) => configFrom({ ...globals(), ...(stateDir ? { stateDir } : {}) });
  const service = program.command('service').description('the compose services of `faasd up`');

  service
    .command('list')
    .description('each service: image, state, uptime, restarts, IP, published ports; and the DNS in use')
    .option('--json', 'print JSON')
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((opts: { json?: boolean; stateDir?: string }) =>
      runAction(() => listServices(cfgWith(opts.stateDir), opts.json ?? false)),
    );

  service
    .command('logs <name>')
    .description("a service's output, from its log file")
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('--lines <n>', 'only the last N lines')
    .option('--since <duration>', 'only lines from this long ago (10m, 1h30m, 2d) or since an RFC 3339 time')
    .option('--state-dir <dir>', 'faasd state directory (env FAASD_STATE_DIR)')
    .action((name: string, opts: { follow?: boolean; lines?: string; since?: string; stateDir?: string }) =>
      runAction(async () => {
        const cfg = cfgWith(opts.stateDir);
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
        try {
          await serviceLogs(
            {
              stateDir: cfg.stateDir,
              namespace: cfg.namespace,
              name,
              lines: opts.lines === undefined ? undefined : parseLines(opts.lines),
              since: opts.since === undefined ? undefined : parseSince(opts.since, Date.now()),
              follow: opts.follow ?? false,
              signal: stop.signal,
            },
            (l) => process.stdout.write(`${l.time} ${l.text}\n`),
          );
        } finally {
          process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        }
      }),
    );

  service
    .command('restart <name>')
    .description("stop a service's task; faasd up's supervisor starts it again (waits until it runs)")
    .option('--timeout <ms>', 'how long to wait for it to run again', '60000')
    .action((name: string, opts: { timeout: string }) =>
      runAction(async () => {
        const cfg = cfgWith();
        const { pid } = await withContainerd(cfg, (ctd) =>
          restartService({
            ctd,
            namespace: cfg.namespace,
            name,
            graceMs: 5000,
            timeoutMs: Number(opts.timeout),
          }),
        );
        process.stdout.write(`${name} restarted (pid ${pid})\n`);
      }),
    );

  service
    .command('top')
    .description('CPU and memory of every running service and function, from their cgroups')
    .option('--interval <ms>', 'CPU sample length', '1000')
    .action((opts: { interval: string }) =>
      runAction(async () => {
        const cfg = cfgWith();
        const rows = await withContainerd(cfg, async (ctd) =>
          sampleTop(await topTargets(ctd, cfg), Number(opts.interval)),
        );
        process.stdout.write(formatTopTable(rows));
      }),
    );
}
