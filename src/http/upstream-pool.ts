import net, { type Socket } from 'node:net';

/** What a connection reports to the exchange that holds it (exchange.ts). */
export interface ConnectionUser {
  connected(): void;
  data(chunk: Buffer): void;
  /** The function closed its side (FIN). */
  ended(): void;
  errored(err: Error): void;
  /** Nothing read or written for the exchange's timeout (or the connect's, before `connected`). */
  timedOut(): void;
  /** The socket closed (after end or error, or destroyed). */
  closed(): void;
}

export interface UpstreamOptions {
  /** Connections open to this address at once; more requests wait in order. */
  connections: number;
  /** An idle kept-alive connection is closed after this long. */
  idleSocketMs: number;
  /** A connect that has not completed in this long fails (code ETIMEDOUT). */
  connectTimeoutMs: number;
}

/**
 * One kept-alive connection to a function. Its socket listeners are set once and pass events to the
 * exchange that holds it (no closures per request); while idle, any event closes it: bytes nobody
 * asked for, the function's FIN, an error, or the idle timeout.
 */
export class UpstreamConnection {
  user: ConnectionUser | undefined;
  connected = false;

  constructor(
    readonly socket: Socket,
    readonly pool: UpstreamPool,
  ) {
    socket.setNoDelay(true);
    socket
      .on('connect', this.onConnect)
      .on('data', this.onData)
      .on('end', this.onEnd)
      .on('error', this.onError)
      .on('timeout', this.onTimeout)
      .on('close', this.onClose);
  }

  private readonly onConnect = (): void => {
    this.connected = true;
    this.user?.connected();
  };
  private readonly onData = (chunk: Buffer): void => {
    if (this.user) this.user.data(chunk);
    else this.socket.destroy(); // an idle connection spoke: its next answer could not be trusted
  };
  private readonly onEnd = (): void => {
    if (this.user) this.user.ended();
    else this.socket.destroy();
  };
  private readonly onError = (err: Error): void => {
    this.user?.errored(err);
  };
  private readonly onTimeout = (): void => {
    if (this.user) this.user.timedOut();
    else this.socket.destroy();
  };
  private readonly onClose = (): void => {
    this.pool.forget(this);
    const user = this.user;
    this.user = undefined;
    user?.closed();
  };
}

interface Waiter {
  user: ConnectionUser;
  give: (conn: UpstreamConnection) => void;
}

/**
 * Connections to one function address: LIFO idle list (the warmest socket first), at most
 * `connections` open, requests beyond that wait in order and may leave the queue (a client gone).
 */
export class UpstreamPool {
  private readonly idle: UpstreamConnection[] = [];
  private readonly waiting: Waiter[] = [];
  /** Every open connection, idle or lent: destroy() closes them all. */
  private readonly all = new Set<UpstreamConnection>();
  private destroyed = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly opts: UpstreamOptions,
  ) {}

  /**
   * A connection for `user`, now or when one is free: `give` is called with it (connecting, or kept
   * alive). Returns a function that takes the request out of the queue if it is still waiting.
   */
  acquire(user: ConnectionUser, give: (conn: UpstreamConnection) => void): () => void {
    const conn = this.idle.pop();
    if (conn) {
      this.lend(conn, user, give);
      return noop;
    }
    if (this.all.size < this.opts.connections) {
      this.lend(this.dial(), user, give);
      return noop;
    }
    const w: Waiter = { user, give };
    this.waiting.push(w);
    return () => {
      const i = this.waiting.indexOf(w);
      if (i >= 0) this.waiting.splice(i, 1);
    };
  }

  /** The exchange is over: a reusable connection goes to the next waiter or the idle list, else it closes. */
  release(conn: UpstreamConnection, reusable: boolean): void {
    conn.user = undefined;
    if (!reusable || this.destroyed || conn.socket.destroyed) {
      conn.socket.destroy();
      return;
    }
    // Paused by the last exchange for a slow client, whose answer then ended: the next one must read.
    if (conn.socket.isPaused()) conn.socket.resume();
    const next = this.waiting.shift();
    if (next) return this.lend(conn, next.user, next.give);
    conn.socket.setTimeout(this.opts.idleSocketMs);
    this.idle.push(conn);
  }

  /** A socket closed: it no longer counts, and a waiter may now dial. */
  forget(conn: UpstreamConnection): void {
    if (!this.all.delete(conn)) return;
    const i = this.idle.indexOf(conn);
    if (i >= 0) this.idle.splice(i, 1);
    if (this.destroyed) return;
    const next = this.waiting.shift();
    if (next) this.lend(this.dial(), next.user, next.give);
  }

  /** Closes every connection; requests in flight fail with the socket's close. */
  destroy(): void {
    this.destroyed = true;
    this.waiting.length = 0;
    for (const c of this.idle.splice(0)) c.socket.destroy();
    for (const c of this.all) c.socket.destroy();
  }

  private dial(): UpstreamConnection {
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setTimeout(this.opts.connectTimeoutMs);
    const conn = new UpstreamConnection(socket, this);
    this.all.add(conn);
    return conn;
  }

  private lend(
    conn: UpstreamConnection,
    user: ConnectionUser,
    give: (conn: UpstreamConnection) => void,
  ): void {
    conn.user = user;
    give(conn);
  }
}

function noop(): void {}
