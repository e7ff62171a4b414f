import type { ContainerView } from '../../src/provider/instances.js';
import { FUNCTION_LABEL } from '../../src/provider/deployment.js';

/**
 * Containers of namespaces as containerd's List would answer (SlotIndex's source), in memory. Counts
 * the Lists; `hold()` makes the next List take its answer at once and hand it back only on `open()`,
 * as a List that began before a change and answers after it.
 */
export class FakeContainerList {
  readonly records = new Map<string, ContainerView[]>();
  lists = 0;
  /** Every List's answer, for settled(). */
  private readonly answers: Promise<unknown>[] = [];
  private held: { release: () => void; gate: Promise<void> } | undefined;

  add(namespace: string, id: string, fn?: string): this {
    const rs = this.records.get(namespace) ?? [];
    rs.push({ id, labels: fn ? { [FUNCTION_LABEL]: fn } : {} });
    this.records.set(namespace, rs);
    return this;
  }

  remove(namespace: string, id: string): void {
    this.records.set(
      namespace,
      (this.records.get(namespace) ?? []).filter((r) => r.id !== id),
    );
  }

  hold(): void {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    this.held = { release, gate };
  }

  open(): void {
    this.held?.release();
    this.held = undefined;
  }

  readonly list = (namespace: string): Promise<readonly ContainerView[]> => {
    this.lists++;
    const read = [...(this.records.get(namespace) ?? [])];
    const answer = (this.held?.gate ?? Promise.resolve()).then(() => read);
    this.answers.push(answer);
    return answer;
  };

  /** Resolves once every List asked so far has answered and its callers' callbacks have run. */
  async settled(): Promise<void> {
    await Promise.all(this.answers);
    await new Promise((r) => setImmediate(r));
  }
}
