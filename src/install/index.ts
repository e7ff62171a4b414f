export { install, uninstall } from './install.js';
export { ensureComposeSecrets } from './secrets.js';
export { upgradeDefaultCompose } from './upgrade.js';
