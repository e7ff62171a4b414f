export { CniNetwork, gatewayOf } from './network.js';
export { renderConflist } from './conflist.js';
export { formatNetTable } from './format.js';
export { networkFromConfig } from './from-config.js';
export { ensureBridge } from './bridge.js';
// For src/install until it imports writeFileAtomic from src/fs.ts itself (it lives there now).
export { writeFileAtomic } from '../fs.js';
