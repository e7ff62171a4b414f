import type { ContainerView } from './instances.js';
import { functionOf } from './instances.js';

/** What a deploy needs of NAME's slots (NAME, NAME.1, ...): the IDs in use and whether NAME exists. */
export interface UsedSlots {
  exists: boolean;
  taken: Set<string>;
}

/** Containers in one namespace whose ID is a slot of `base`: container ID → its function label. */
type Slots = Map<string, Map<string, string | undefined>>;

interface Kept {
  slots: Slots;
  /** When the List it was made from began (performance.now()). */
  at: number;
}

/** The function a slot ID belongs to: NAME for NAME and NAME.k (names have no '.': validate.ts). */
export function slotBase(id: string): string {
  const m = /^(.*)\.[0-9]+$/.exec(id);
  return m?.[1] ?? id;
}

/**
 * The slots in use of every function, per namespace, kept by the provider (issue #16): a deploy's
 * lookup was a containerd List filtered by ID, and containerd reads every record of the namespace for
 * any filtered List (1 ms at N = 1, 10-21 at N = 1,000).
 *
 * Made from one List of the namespace, then kept by this process's own creates and removes, which
 * all go through FunctionHost: a create is told when it begins (so a lookup meanwhile sees the slot
 * taken) and again when it ends, a remove once the container is gone. A change made outside this
 * process (ctr by hand) is seen by the next List: one runs in the background when a lookup finds the
 * kept one older than `maxAgeMs`; the lookup answers from what is kept meanwhile. A List may have
 * been answered before a change it overlaps: the changes told while it ran are applied again to its
 * answer, in order (each is idempotent), and so are the creates still under way when it ends.
 */
export class SlotIndex {
  private readonly kept = new Map<string, Kept>();
  /** A List under way per namespace, and the changes told since it began. */
  private readonly loading = new Map<string, { done: Promise<Kept>; told: ((s: Slots) => void)[] }>();
  /** Creates under way per namespace: container ID → its function label. */
  private readonly underway = new Map<string, Map<string, string | undefined>>();

  constructor(
    private readonly list: (namespace: string) => Promise<readonly ContainerView[]>,
    private readonly maxAgeMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** NAME's slots in use; a List only the first time for the namespace (or after a failed one). */
  async used(namespace: string, name: string): Promise<UsedSlots> {
    const kept = this.kept.get(namespace) ?? (await this.load(namespace));
    if (this.now() - kept.at >= this.maxAgeMs && !this.loading.has(namespace))
      this.load(namespace).catch(() => undefined); // the next lookup tries again
    const mine = kept.slots.get(name) ?? new Map<string, string | undefined>();
    return { exists: [...mine.values()].includes(name), taken: new Set(mine.keys()) };
  }

  /**
   * A container of this process is about to be created; call the function returned when the create
   * ended, with whether the container exists (a failed create removes what it made).
   */
  creating(namespace: string, c: ContainerView): (exists: boolean) => void {
    const label = functionOf(c);
    const put = (s: Slots) => slotsOf(s, c.id).set(c.id, label);
    const pending = this.underway.get(namespace) ?? new Map<string, string | undefined>();
    this.underway.set(namespace, pending.set(c.id, label));
    this.tell(namespace, put);
    let ended = false;
    return (exists) => {
      if (ended) return;
      ended = true;
      pending.delete(c.id);
      if (pending.size === 0 && this.underway.get(namespace) === pending) this.underway.delete(namespace);
      if (exists) this.tell(namespace, put);
      else this.removed(namespace, c.id);
    };
  }

  /** A container of this process is gone (or its create failed and left nothing). */
  removed(namespace: string, id: string): void {
    this.tell(namespace, (s) => {
      const base = slotBase(id);
      s.get(base)?.delete(id);
      if (s.get(base)?.size === 0) s.delete(base);
    });
  }

  /** Forgets the namespace (or all): the next lookup Lists again. */
  invalidate(namespace?: string): void {
    if (namespace === undefined) this.kept.clear();
    else this.kept.delete(namespace);
  }

  private tell(namespace: string, change: (s: Slots) => void): void {
    const kept = this.kept.get(namespace);
    if (kept) change(kept.slots);
    this.loading.get(namespace)?.told.push(change);
  }

  private load(namespace: string): Promise<Kept> {
    const running = this.loading.get(namespace);
    if (running) return running.done;
    const told: ((s: Slots) => void)[] = [];
    const at = this.now();
    const done = this.list(namespace).then((records) => {
      const slots: Slots = new Map();
      for (const c of records) slotsOf(slots, c.id).set(c.id, functionOf(c));
      for (const change of told) change(slots);
      for (const [id, label] of this.underway.get(namespace) ?? []) slotsOf(slots, id).set(id, label);
      const kept = { slots, at };
      this.kept.set(namespace, kept);
      return kept;
    });
    this.loading.set(namespace, { done, told });
    const clear = () => this.loading.delete(namespace);
    done.then(clear, clear);
    return done;
  }
}

function slotsOf(s: Slots, id: string): Map<string, string | undefined> {
  const base = slotBase(id);
  let m = s.get(base);
  if (!m) s.set(base, (m = new Map<string, string | undefined>()));
  return m;
}
