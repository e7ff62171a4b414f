export { CniNetwork, gatewayOf } from './network.js';
export { formatNetTable } from './format.js';
export { networkFromConfig } from './from-config.js';
export { ensureBridge } from './bridge.js';
export { parseDnsServers, withNameservers } from './dns.js';
export type { AttachmentRecord } from './ipam-store.js';
