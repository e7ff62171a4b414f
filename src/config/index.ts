export { DEFAULTS, NODE_DAEMON_FLAGS, resolveConfig, readConfigFile, type FaasdConfig } from './config.js';
export { VERSION, COMMIT } from './version.js';
