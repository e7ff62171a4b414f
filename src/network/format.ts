import type { AttachmentRecord } from './ipam-store.js';
import { formatTable } from '../format/index.js';

export function formatNetTable(records: AttachmentRecord[]): string {
  return formatTable(
    ['NAMESPACE', 'NAME', 'IP', 'MAC', 'NETNS', 'CREATED'],
    records.map((r) => [
      r.namespace,
      r.id,
      // A pending record holds its reserved address already (ipam-alloc.ts): the state says it is not in use yet.
      r.ip ? `${r.ip}/${r.prefix ?? ''}${r.state === 'attached' ? '' : ` (${r.state})`}` : `(${r.state})`,
      r.mac ?? '',
      r.netns,
      r.createdAt,
    ]),
  );
}
