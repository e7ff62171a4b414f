import type { PortMapping } from '../runtime/index.js';
import { containerAddress } from './cni-result.js';
import type { AttachmentRecord } from './ipam-store.js';
import { IFNAME, netnsPath } from './netns.js';

/** The record stored before ADD: a crash mid-ADD leaves it pending, for reconcile to undo by its names. */
export function pendingRecord(
  namespace: string,
  id: string,
  name: string,
  portMappings: PortMapping[],
): AttachmentRecord {
  return {
    namespace,
    id,
    netns: netnsPath(name),
    containerId: name,
    ifname: IFNAME,
    state: 'pending',
    portMappings,
    conflist: portMappings.length > 0 ? 'ports' : 'plain',
    createdAt: new Date().toISOString(),
  };
}

/** The record once ADD gave `result`, kept for DEL's prevResult. */
export function attachedRecord(pending: AttachmentRecord, result: unknown): AttachmentRecord {
  const addr = containerAddress(result);
  return {
    ...pending,
    state: 'attached',
    ip: addr.ip,
    prefix: addr.prefix,
    ...(addr.gateway ? { gateway: addr.gateway } : {}),
    ...(addr.mac ? { mac: addr.mac } : {}),
    result,
  };
}
