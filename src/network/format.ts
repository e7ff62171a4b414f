import type { AttachmentRecord } from './ipam-store.js';
import { formatTable } from '../format/index.js';

export function formatNetTable(records: AttachmentRecord[]): string {
  return formatTable(
    ['NAMESPACE', 'NAME', 'IP', 'MAC', 'NETNS', 'CREATED'],
    records.map((r) => [
      r.namespace,
      r.id,
      r.ip ? `${r.ip}/${r.prefix ?? ''}` : `(${r.state})`,
      r.mac ?? '',
      r.netns,
      r.createdAt,
    ]),
  );
}
