export {
  DEFAULTS,
  NODE_DAEMON_FLAGS,
  resolveConfig,
  readConfigFile,
  serverLimitsOf,
  urlSetting,
  type FaasdConfig,
} from './config.js';
export { VERSION, COMMIT } from './version.js';
