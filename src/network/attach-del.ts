import type { CniAttachment, CniRunner, NetworkList } from './cni.js';
import type { ConflistKind } from './conflist.js';
import { cniIdsOf, type AttachmentRecord } from './ipam-store.js';
import { deleteNetns, IFNAME, netnsExists, netnsName, netnsPath } from './netns.js';
import { dropMasquerade, dropPortMappings } from './plugin-rules.js';

export interface DelParts {
  runner: Pick<CniRunner, 'del'>;
  lists: Record<ConflistKind, NetworkList>;
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
  // DEL with what ADD used. Without a record nobody knows: bridge alone frees the address (legacy
  // bridge's DEL fails on a netns whose masquerade chain was never made), the rest is found by its marks.
  const kind = record ? (record.conflist ?? 'legacy') : 'plain';
  const netnsGone = !(await netnsExists(name));
  const rulesOf = p.lists.legacy.name;
  let delError: Error | undefined;
  await p.runner
    .del(p.lists[kind], att, { portMappings: record?.portMappings ?? [] }, record?.result)
    .catch((err: unknown) => (delError = err instanceof Error ? err : new Error(String(err))));
  // Without the stored mappings portmap's DEL removes nothing; without its netns bridge's DEL cannot
  // see which masquerade rule was the container's. A plain attachment made neither.
  if (kind !== 'plain' || !record) await dropPortMappings(rulesOf, containerId);
  if ((netnsGone && kind === 'legacy') || !record) await dropMasquerade(rulesOf, containerId);
  if (delError) throw delError;
  await deleteNetns(name);
}
