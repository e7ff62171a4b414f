export { DEFAULTS, resolveConfig, readConfigFile, type FaasdConfig } from './config.js';
export { VERSION, COMMIT } from './version.js';
