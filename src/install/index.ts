export { install, uninstall, selfCommand, type InstallOptions, type UninstallOptions } from './install.js';
export { DEFAULT_COMPOSE, SPLIT_COMPOSE, PROMETHEUS_YML } from './files.js';
export { ensureComposeSecrets, type SecretsResult } from './secrets.js';
export { upgradeDefaultCompose } from './upgrade.js';
