export { DEFAULTS, NODE_DAEMON_FLAGS, serverLimitsOf, urlSetting, type FaasdConfig } from './config.js';
export { resolveConfig } from './resolve.js';
export { VERSION, COMMIT } from './version.js';
export {
  coreSecretsDir,
  coreLogDir,
  defaultComposeFile,
  prometheusConfigFile,
  natsDataDir,
  prometheusDataDir,
  hostsFile,
  resolvConfFile,
  networkStateDir,
  ipamStoreFile,
  cniStateDir,
  cniIpamDataDir,
  conflistFile,
  shimWrapperFile,
  functionSecretsDir,
  functionLogDir,
} from './paths.js';
