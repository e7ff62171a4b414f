import { chmod, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import {
  NODE_DAEMON_FLAGS,
  cniStateDir,
  conflistFile,
  coreLogDir,
  coreSecretsDir,
  defaultComposeFile,
  functionLogDir,
  functionSecretsDir,
  hostsFile,
  natsDataDir,
  networkStateDir,
  prometheusConfigFile,
  prometheusDataDir,
  resolvConfFile,
  shimWrapperFile,
  type FaasdConfig,
} from '../config/index.js';
import { networkFromConfig, parseDnsServers } from '../network/index.js';
import { ensureShimWrapper } from '../runtime/index.js';
import { writeFileAtomic } from '../fs.js';
import { DEFAULT_COMPOSE, OLD_PROVIDER_UNIT, PROMETHEUS_YML, faasdUnit } from './files.js';
import { ensureComposeSecrets, SECRETS_DIR_MODE } from './secrets.js';

export interface InstallOptions {
  config: FaasdConfig;
  /** Install under this prefix (tests); `/` for a real install. */
  root: string;
  /** How systemd should start faasd; default: this program as it was started. */
  faasdCommand?: string;
  /** Start the services when systemd is PID 1 (default true). */
  start?: boolean;
  out?: NodeJS.WritableStream;
  /**
   * `--dns 1.1.1.1,9.9.9.9`: nameservers for functions and services instead of the host's. Written
   * into both units as FAASD_DNS, so it applies at their next start; empty keeps the host's.
   */
  dns?: string[];
}

export interface UninstallOptions extends InstallOptions {
  purgeSecrets?: boolean;
}

/** One daemon, one unit. */
const UNIT = 'faasd.service';
const PACKAGE_SERVICES = ['prometheus.service', 'nats-server.service'];

/** The command systemd runs: the single-file executable itself (flags built in), or node with this script. */
export function selfCommand(): string {
  const script = process.argv[1];
  if (!script || !/\.(m?js|ts)$/.test(script)) return process.execPath;
  return [process.execPath, ...NODE_DAEMON_FLAGS, realpathSync(script)].join(' ');
}

/** What install writes and uninstall removes (config/paths.ts), under the install root. */
function paths(o: InstallOptions) {
  const at = (p: string) => join(o.root, p);
  const c = o.config;
  return {
    state: at(c.stateDir),
    provider: at(c.providerDir),
    secrets: at(coreSecretsDir(c)),
    providerSecrets: at(functionSecretsDir(c)),
    conflist: at(conflistFile(c)),
    composeFile: at(defaultComposeFile(c)),
    prometheusConfig: at(prometheusConfigFile(c)),
    shimWrapper: at(shimWrapperFile(c)),
    /** Folders faasd makes or fills as it runs; uninstall removes them, secrets aside. */
    dataDirs: [natsDataDir(c), prometheusDataDir(c), coreLogDir(c), functionLogDir(c)].map(at),
    runtimeDirs: [networkStateDir(c), cniStateDir(c)].map(at),
    runtimeFiles: [hostsFile(c), resolvConfFile(c)].map(at),
    units: at('/etc/systemd/system'),
  };
}

function envPrefix(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([k, v]) => `${k}=${v} `)
    .join('');
}

async function systemdIsInit(): Promise<boolean> {
  return (await readFile('/proc/1/comm', 'utf8').catch(() => '')).trim() === 'systemd';
}

/**
 * Idempotent: files of ours are rewritten, secrets are kept when present (their modes are fixed: see
 * ensureComposeSecrets).
 */
export async function install(o: InstallOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  const p = paths(o);
  const dns = parseDnsServers('--dns', o.dns ?? []);
  const env: Record<string, string> = dns.length ? { FAASD_DNS: dns.join(',') } : {};
  for (const d of [p.state, p.provider, ...p.dataDirs, p.units]) {
    await mkdir(d, { recursive: true, mode: 0o755 });
  }
  await mkdir(p.providerSecrets, { recursive: true, mode: SECRETS_DIR_MODE });
  await chmod(p.providerSecrets, SECRETS_DIR_MODE);
  await writeFileAtomic(p.composeFile, DEFAULT_COMPOSE);
  await writeFileAtomic(p.prometheusConfig, PROMETHEUS_YML);
  // The daemon writes it again at start; placed here too so the installed tree is whole. Uninstall
  // keeps it unless the state goes: containers it made name it, and containerd runs it to clean up.
  if (o.config.shimMountNamespace) await ensureShimWrapper(p.shimWrapper);
  const password = join(p.secrets, 'basic-auth-password');
  const secrets = await ensureComposeSecrets(p.secrets);
  const made = secrets.created.includes(password);
  if (secrets.fixed.length > 0)
    out.write(`faasd: fixed secret modes (files 0644, directory 0700): ${secrets.fixed.join(', ')}\n`);
  await mkdir(dirname(p.conflist), { recursive: true });
  // The conflist faasd itself renders in memory, for CNI tools on the host.
  await writeFileAtomic(p.conflist, JSON.stringify(networkFromConfig(o.config).list, null, 2) + '\n');
  const faasd = o.faasdCommand ?? selfCommand();
  const systemd = o.root === '/' && (await systemdIsInit());
  // An upgraded host: the provider now runs inside `faasd up`; its old unit would hold port 8081.
  const oldUnit = join(p.units, OLD_PROVIDER_UNIT);
  if (await stat(oldUnit).catch(() => undefined)) {
    if (systemd) await execa('systemctl', ['disable', '--now', OLD_PROVIDER_UNIT], { reject: false });
    await rm(oldUnit, { force: true });
    out.write(`faasd: removed ${OLD_PROVIDER_UNIT} (the provider runs inside faasd up now)\n`);
  }
  await writeFileAtomic(join(p.units, UNIT), faasdUnit(faasd, env));
  out.write(`faasd: containers' nameservers: ${dns.length ? dns.join(', ') : "the host's"}\n`);
  out.write(`faasd: installed under ${o.root} (password ${made ? 'created' : 'kept'}: ${password})\n`);

  if (systemd && o.start !== false) {
    // The Debian packages' own prometheus and nats services would take the ports faasd's containers use.
    await execa('systemctl', ['disable', '--now', ...PACKAGE_SERVICES], { reject: false });
    await execa('systemctl', ['daemon-reload']);
    // restart, not only start: an upgrade must run the new executable.
    await execa('systemctl', ['enable', UNIT]);
    await execa('systemctl', ['restart', UNIT]);
    out.write('faasd: started faasd with systemd\n');
  } else {
    out.write(
      [
        'faasd: systemd is not running here; start it by hand (as root):',
        `  (cd ${o.config.stateDir} && ${envPrefix(env)}${faasd} up) &`,
        '',
      ].join('\n'),
    );
  }
}

/** Removes what install made; the basic-auth and function secrets stay unless purgeSecrets. */
export async function uninstall(o: UninstallOptions): Promise<void> {
  const out = o.out ?? process.stdout;
  const p = paths(o);
  if (o.root === '/' && (await systemdIsInit())) {
    await execa('systemctl', ['disable', '--now', UNIT, OLD_PROVIDER_UNIT], { reject: false });
  }
  for (const u of [UNIT, OLD_PROVIDER_UNIT]) await rm(join(p.units, u), { force: true });
  if (o.root === '/' && (await systemdIsInit()))
    await execa('systemctl', ['daemon-reload'], { reject: false });
  // On the host itself: the bridge and its localnet guard too (faasd up made them; a test root has none).
  if (o.root === '/') await networkFromConfig(o.config).removeBridge();
  await rm(p.conflist, { force: true });
  for (const f of [p.composeFile, p.prometheusConfig, ...p.runtimeFiles]) await rm(f, { force: true });
  for (const d of [...p.dataDirs, ...p.runtimeDirs]) await rm(d, { recursive: true, force: true });
  if (o.purgeSecrets) {
    await rm(p.state, { recursive: true, force: true });
    await rm(p.provider, { recursive: true, force: true });
  }
  out.write(
    `faasd: uninstalled from ${o.root}${o.purgeSecrets ? ' (secrets removed)' : ` (secrets kept in ${p.secrets} and ${p.providerSecrets})`}\n`,
  );
}
