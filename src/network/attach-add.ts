import type { CniAttachment, CniRunner, NetworkList } from './cni.js';
import type { AttachmentRecord, IpamStore } from './ipam-store.js';
import type { AddressRange } from './ipam-alloc.js';
import { withAddress } from './conflist.js';
import { createNetns, loopbackUp } from './netns.js';
import { dropMasquerade, dropPortMappings } from './plugin-rules.js';
import { settleBoth } from './settle-both.js';
import type { Split } from './split.js';

export interface AddParts {
  store: Pick<IpamStore, 'reserve'>;
  runner: Pick<CniRunner, 'add'>;
  /** The conflist this attachment uses (the pending record names it), its address not yet filled in. */
  list: NetworkList;
  /** Where the journal's reservation takes the address from. */
  range: AddressRange;
  /** The network name the plugins mark their rules with. */
  rulesOf: string;
}

/**
 * An attach's making: the pending record holding its reserved address, the netns, the plugins' ADD
 * (bridge given that address by `static`); returns the CNI result and the pending record as stored.
 * Steps nothing orders overlap (issue #16, deploy -> first 200): the netns is made while the pending
 * record is written (a netns no record names is reconcile's to remove); `lo` comes up while the
 * plugins run (none of them uses it, and the task starts after both). Each step has settled when this
 * returns or throws: the caller's undo (detach) never races one.
 */
export async function addAttachment(
  p: AddParts,
  pending: AttachmentRecord,
  att: CniAttachment,
  split: Split,
): Promise<{ result: unknown; reserved: AttachmentRecord }> {
  const name = att.containerId;
  const portMappings = pending.portMappings ?? [];
  const netns = async (): Promise<void> => {
    // Rules a lost record left for this container ID: a stale DNAT would sit ahead of the new one.
    // Without port mappings there is none to win over (reconcile sweeps what else a lost record left).
    if (portMappings.length > 0) {
      await dropPortMappings(p.rulesOf, name);
      await dropMasquerade(p.rulesOf, name);
    }
    await createNetns(name);
  };
  const [reserved] = await settleBoth(p.store.reserve(pending, p.range), netns());
  split.lap('store_netns');
  const list = withAddress(p.list, reserved.ip ?? '', p.range.prefix, p.range.gateway);
  const [result] = await settleBoth(p.runner.add(list, att, { portMappings }, split.laps), loopbackUp(name));
  split.skip();
  return { result, reserved };
}
