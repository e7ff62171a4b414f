/**
 * Every path faasd derives from its configuration, in one place: the commands that write a file and
 * the ones that read or remove it (install, uninstall, up, the provider, the network) then cannot
 * disagree on a name. Pure functions; each takes only the settings it depends on, so a caller holding
 * a part of the configuration (e.g. the network's options) can use them too.
 */
import { join } from 'node:path';
import type { FaasdConfig } from './config.js';

type State = Pick<FaasdConfig, 'stateDir'>;
type Provider = Pick<FaasdConfig, 'providerDir'>;

/** The core services' secrets (basic-auth-user, basic-auth-password), bind-mounted by compose. */
export const coreSecretsDir = (cfg: State): string => join(cfg.stateDir, 'secrets');
/** Logs of the core services, one folder per containerd namespace. */
export const coreLogDir = (cfg: State): string => join(cfg.stateDir, 'logs');
export const defaultComposeFile = (cfg: State): string => join(cfg.stateDir, 'docker-compose.yaml');
export const prometheusConfigFile = (cfg: State): string => join(cfg.stateDir, 'prometheus.yml');
/** Data folders the default compose file mounts into its services. */
export const natsDataDir = (cfg: State): string => join(cfg.stateDir, 'nats');
export const prometheusDataDir = (cfg: State): string => join(cfg.stateDir, 'prometheus');

/** /etc/hosts and /etc/resolv.conf of every container: bind-mounted, so rewritten in place. */
export const hostsFile = (cfg: State): string => join(cfg.stateDir, 'hosts');
export const resolvConfFile = (cfg: State): string => join(cfg.stateDir, 'resolv.conf');
/** Our record of every network attachment, and its folder. */
export const networkStateDir = (cfg: State): string => join(cfg.stateDir, 'network');
export const ipamStoreFile = (cfg: State): string => join(networkStateDir(cfg), 'ipam.json');
/** The host-local IPAM plugin's own state (its `dataDir`: one file per address), and its folder. */
export const cniStateDir = (cfg: State): string => join(cfg.stateDir, 'cni');
export const cniIpamDataDir = (cfg: State): string => join(cniStateDir(cfg), 'networks');
/** The faasd network's conflist, for CNI tools on the host (faasd itself renders it in memory). */
export const conflistFile = (cfg: Pick<FaasdConfig, 'cniConfDir'>): string =>
  join(cfg.cniConfDir, '10-openfaas.conflist');

/** The runc shim wrapper (runtime/shim-wrapper.ts): containers keep its path, so it lives with the state. */
export const shimWrapperFile = (cfg: State): string =>
  join(cfg.stateDir, 'bin', 'containerd-shim-runc-v2-mntns');

/** Function secrets, one folder per namespace. */
export const functionSecretsDir = (cfg: Provider): string => join(cfg.providerDir, 'secrets');
/** Function logs, one folder per namespace. */
export const functionLogDir = (cfg: Provider): string => join(cfg.providerDir, 'logs');

/** The V8 code cache of the bundle (launcher/code-cache.ts): root's, beside the state it starts on. */
export const codeCacheFile = (cfg: State): string => join(cfg.stateDir, 'cache', 'faasd.v8');
