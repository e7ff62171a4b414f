import type { CniAttachment, CniRunner, NetworkList } from './cni.js';
import { withAddress, withHostLocal, type ConflistKind } from './conflist.js';
import { cniIdsOf, type AttachmentRecord } from './ipam-store.js';
import { deleteNetns, IFNAME, netnsExists, netnsName, netnsPath } from './netns.js';
import { dropMasquerade, dropPortMappings } from './plugin-rules.js';

export interface DelParts {
  runner: Pick<CniRunner, 'del'>;
  lists: Record<ConflistKind, NetworkList>;
}

/**
 * The list DEL of `record` is given: the one its ADD used. Without a record nobody knows: bridge alone
 * with host-local, which frees an address an older version's host-local gave that container ID (and
 * nothing else: an address reserved in our journal is freed with its record).
 */
export function delListOf(lists: Record<ConflistKind, NetworkList>, record?: AttachmentRecord): NetworkList {
  if (!record) return withHostLocal(lists.plain, lists.legacy);
  const kind = record.conflist ?? 'legacy';
  if (kind === 'legacy') return lists.legacy;
  if (record.ipam !== 'static') return withHostLocal(lists[kind], lists.legacy);
  const { ip, prefix, gateway } = record;
  return ip !== undefined && prefix !== undefined && gateway !== undefined
    ? withAddress(lists[kind], ip, prefix, gateway)
    : lists[kind];
}

/**
 * CNI DEL of a container's attachment and removal of its netns; the caller removes the record after.
 * What is already gone succeeds. `record`: the container's, when the store has one.
 */
export async function removeAttachment(
  p: DelParts,
  namespace: string,
  id: string,
  record: AttachmentRecord | undefined,
): Promise<void> {
  // A record names what it was attached under (older records: `<namespace>-<id>`).
  const fresh = netnsName(namespace, id);
  const { netnsName: name, containerId } = record
    ? cniIdsOf(record)
    : { netnsName: fresh, containerId: fresh };
  const att: CniAttachment = { containerId, netns: netnsPath(name), ifname: IFNAME };
  // DEL with what ADD used (delListOf). Without a record, bridge alone (legacy bridge's DEL fails on a
  // netns whose masquerade chain was never made); the rest is found by its marks.
  const kind = record ? (record.conflist ?? 'legacy') : 'plain';
  const netnsGone = !(await netnsExists(name));
  const rulesOf = p.lists.legacy.name;
  let delError: Error | undefined;
  await p.runner
    .del(delListOf(p.lists, record), att, { portMappings: record?.portMappings ?? [] }, record?.result)
    .catch((err: unknown) => (delError = err instanceof Error ? err : new Error(String(err))));
  // Without the stored mappings portmap's DEL removes nothing; without its netns bridge's DEL cannot
  // see which masquerade rule was the container's. A plain attachment made neither.
  if (kind !== 'plain' || !record) await dropPortMappings(rulesOf, containerId);
  if ((netnsGone && kind === 'legacy') || !record) await dropMasquerade(rulesOf, containerId);
  if (delError) throw delError;
  await deleteNetns(name);
}
