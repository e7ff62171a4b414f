import type { BindMount } from '../../src/containerd/index.js';
import type { Attachment, NetworkAttacher, PortMapping } from '../../src/runtime/index.js';

/**
 * A network whose attach waits until the test settles it (`finish` or `fail`), so a test can hold the
 * attach while the rest of a create runs, and see what the runtime does around it. It records every
 * call in order; detach of what was never attached succeeds, as the real network's does.
 */
export class GatedNetwork implements NetworkAttacher {
  readonly calls: string[] = [];
  /** Containers attached and not detached (namespace/id). */
  readonly attached = new Set<string>();
  private gate: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private started: (() => void) | undefined;
  /** Resolves when an attach has begun (and waits at the gate). */
  readonly attaching: Promise<void>;

  constructor(private readonly ip = '10.0.0.2') {
    this.attaching = new Promise((resolve) => (this.started = resolve));
  }

  netnsPathFor(namespace: string, id: string): string {
    return `/var/run/netns/gated-${namespace}--${id}`;
  }

  async attach(namespace: string, id: string, _opts?: { portMappings?: PortMapping[] }): Promise<Attachment> {
    this.calls.push(`attach ${namespace}/${id}`);
    const settled = new Promise<void>((resolve, reject) => (this.gate = { resolve, reject }));
    this.started?.();
    await settled;
    this.calls.push(`attached ${namespace}/${id}`);
    this.attached.add(`${namespace}/${id}`);
    return { netnsPath: this.netnsPathFor(namespace, id), ip: this.ip };
  }

  /** Lets the waiting attach succeed. */
  finish(): void {
    this.gate?.resolve();
  }

  /** Makes the waiting attach fail with `err`. */
  fail(err: Error): void {
    this.gate?.reject(err);
  }

  detach(namespace: string, id: string): Promise<void> {
    this.calls.push(`detach ${namespace}/${id}`);
    this.attached.delete(`${namespace}/${id}`);
    return Promise.resolve();
  }

  restore(): Promise<boolean> {
    return Promise.resolve(false);
  }

  sharedMounts(): BindMount[] {
    return [];
  }
}
