import type { ServerResponse } from 'node:http';

/** A connection as the balance sees it: it closes once. */
export interface BalancedSocket {
  once(event: 'close', listener: () => void): unknown;
}
/** The part of a request the balance looks at: its connection. */
export interface BalancedRequest {
  socket: BalancedSocket;
}
export type BalancedResponse = Pick<ServerResponse, 'shouldKeepAlive'>;

/**
 * Keeps two threads' shares of the connections on one shared listening socket within one of each
 * other (issue #12). Both event loops watch the socket and whichever wakes first accepts, so wrk's
 * eight keep-alive connections landed 8/0 or 7/1 as often as 4/4, and a thread holding them all is
 * the one-thread limit again (docs/field-notes.md). A thread ahead by more than one answers a new
 * connection's first request with `Connection: close`; the client's next connect lands on either
 * thread, so the split settles after a few reconnects. Connections already past their first request
 * are not looked at again, unless recheckAll() (the thread started while they were open). `counts` is shared memory: index 0 the main thread, 1 the data-path thread, 2 is
 * 1 while both serve (a thread that is not running takes no connections: nobody is moved then).
 */
export class ConnectionBalance {
  /** The round each connection was last looked at in: one not looked at in this round is looked at again. */
  private readonly looked = new WeakMap<object, number>();
  private round = 1;
  /** Connections this thread asked to reconnect (for logs and tests). */
  moved = 0;

  constructor(
    private readonly counts: Int32Array,
    private readonly me: 0 | 1,
  ) {}

  /** A new shared-listener connection of this thread (the server's 'connection' event). */
  readonly onConnection = (socket: BalancedSocket): void => {
    Atomics.add(this.counts, this.me, 1);
    socket.once('close', () => Atomics.sub(this.counts, this.me, 1));
  };

  /** Before answering: a new connection of the thread that holds more asks its client to reconnect. */
  check(req: BalancedRequest, res: BalancedResponse): void {
    const socket = req.socket;
    if (this.looked.get(socket) === this.round) return;
    this.looked.set(socket, this.round);
    if (Atomics.load(this.counts, BOTH) !== 1) return;
    if (Atomics.load(this.counts, this.me) > Atomics.load(this.counts, 1 - this.me) + 1) {
      res.shouldKeepAlive = false;
      this.moved++;
    }
  }

  /**
   * Looks at every connection again at its next request: the data-path thread has just started (under
   * load) and this thread holds the keep-alive connections that were open before; some must move.
   */
  recheckAll(): void {
    this.round++;
  }

  /** Connections each thread holds now. */
  shares(): { main: number; data: number } {
    return { main: Atomics.load(this.counts, 0), data: Atomics.load(this.counts, 1) };
  }
}

const BOTH = 2;

/** The shared counters two ConnectionBalances use (one per thread). */
export function balanceCounters(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
}

/** Whether both threads serve now (set by the main thread as the data-path thread starts and exits). */
export function setBothServing(counts: Int32Array, both: boolean): void {
  Atomics.store(counts, BOTH, both ? 1 : 0);
  if (!both) Atomics.store(counts, 1, 0);
}
