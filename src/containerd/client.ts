import { setTimeout as delay } from 'node:timers/promises';
import { GrpcConnection } from './grpc.js';
import { Scope } from './scope.js';
import { Namespaces } from './namespaces.js';
import { Containers } from './containers.js';
import { Tasks } from './tasks.js';
import { Content } from './content.js';
import { Images } from './images.js';
import { Snapshots } from './snapshots.js';
import { Diff } from './diff.js';
import { Leases } from './leases.js';
import { Events } from './events.js';

export const DEFAULT_ADDRESS = '/run/containerd/containerd.sock';

/**
 * containerd seen through one namespace. `inNamespace` gives a view of another namespace over the same
 * connection; `close` closes the connection for every view.
 */
export class Containerd {
  readonly namespaces: Namespaces;
  readonly containers: Containers;
  readonly tasks: Tasks;
  readonly content: Content;
  readonly images: Images;
  readonly snapshots: Snapshots;
  readonly diff: Diff;
  readonly leases: Leases;
  readonly events: Events;

  constructor(
    readonly conn: GrpcConnection,
    readonly namespace: string,
  ) {
    const scope = new Scope(conn, namespace);
    this.namespaces = new Namespaces(scope);
    this.containers = new Containers(scope);
    this.tasks = new Tasks(scope);
    this.content = new Content(scope);
    this.images = new Images(scope);
    this.snapshots = new Snapshots(scope);
    this.diff = new Diff(scope);
    this.leases = new Leases(scope);
    this.events = new Events(scope);
  }

  static connect(address: string, namespace: string): Containerd {
    return new Containerd(new GrpcConnection(address), namespace);
  }

  inNamespace(namespace: string): Containerd {
    return namespace === this.namespace ? this : new Containerd(this.conn, namespace);
  }

  async version(): Promise<{ version: string; revision: string }> {
    return new Scope(this.conn, this.namespace).call('version', 'Version', {});
  }

  waitReady(timeoutMs = 10_000): Promise<void> {
    return this.conn.waitReady(timeoutMs);
  }

  /**
   * Waits for containerd however long it is away (it may start after us, or restart), calling
   * `onRetry` before each wait, which doubles up to `maxDelayMs`. Rejects only when `signal` aborts.
   */
  async waitUntilReady(o: {
    onRetry: (err: unknown, inMs: number, attempt: number) => void;
    signal?: AbortSignal;
    firstDelayMs?: number;
    maxDelayMs?: number;
  }): Promise<void> {
    let wait = o.firstDelayMs ?? 200;
    for (let attempt = 1; ; attempt++) {
      o.signal?.throwIfAborted();
      try {
        await this.waitReady(1_000);
        return;
      } catch (err) {
        o.signal?.throwIfAborted();
        o.onRetry(err, wait, attempt);
      }
      await delay(wait, undefined, o.signal ? { signal: o.signal } : {});
      wait = Math.min(wait * 2, o.maxDelayMs ?? 5_000);
    }
  }

  close(): void {
    this.conn.close();
  }
}
