import type { CniAttachment, CniRunner, NetworkList } from './cni.js';
import type { AttachmentRecord, IpamStore } from './ipam-store.js';
import { createNetns, loopbackUp } from './netns.js';
import { dropMasquerade, dropPortMappings } from './plugin-rules.js';
import { settleBoth } from './settle-both.js';
import type { Split } from './split.js';

export interface AddParts {
  store: Pick<IpamStore, 'put'>;
  runner: Pick<CniRunner, 'add'>;
  /** The conflist this attachment uses (the pending record names it). */
  list: NetworkList;
  /** The network name the plugins mark their rules with. */
  rulesOf: string;
}

/**
 * An attach's making: the pending record, the netns, the plugins' ADD; returns the CNI result. Steps
 * nothing orders overlap (issue #16, deploy -> first 200): the netns is made while the pending record
 * is written (a netns no record names is reconcile's to remove), and the record is on disk before a
 * plugin allocates an address; `lo` comes up while the plugins run (none of them uses it, and the
 * task starts after both). Each step has settled when this returns or throws: the caller's undo
 * (detach) never races one.
 */
export async function addAttachment(
  p: AddParts,
  pending: AttachmentRecord,
  att: CniAttachment,
  split: Split,
): Promise<unknown> {
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
  await settleBoth(p.store.put(pending), netns());
  split.lap('store_netns');
  const [result] = await settleBoth(
    p.runner.add(p.list, att, { portMappings }, split.laps),
    loopbackUp(name),
  );
  split.skip();
  return result;
}
