import type { AttachSplit } from './split.js';

/** Bounded: an entry nobody takes (a start by the supervisor) leaves when the map is full. */
const MAX_SPLITS = 256;

/** Where each recent attach's time went, kept until the deploy's log line takes it (issue #16). */
export class AttachSplits {
  private readonly byKey = new Map<string, AttachSplit>();

  set(namespace: string, id: string, split: AttachSplit): void {
    if (this.byKey.size >= MAX_SPLITS) this.byKey.delete(this.byKey.keys().next().value ?? '');
    this.byKey.set(`${namespace}/${id}`, split);
  }

  /** The container's last attach's split, once; undefined when not known. */
  take(namespace: string, id: string): AttachSplit | undefined {
    const split = this.byKey.get(`${namespace}/${id}`);
    this.byKey.delete(`${namespace}/${id}`);
    return split;
  }
}
