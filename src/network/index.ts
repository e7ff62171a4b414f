export { CniNetwork } from './network.js';
export { gatewayOf } from './conflist.js';
export { formatNetTable } from './format.js';
export { networkFromConfig } from './from-config.js';
export { ensureBridge } from './bridge.js';
export { parseDnsServers, withNameservers } from './dns.js';
export type { AttachmentRecord } from './ipam-store.js';
export { poolNamespace } from './netns-pool.js';
