import { constants, openSync } from 'node:fs';
import { lstat, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Socket } from 'node:net';
import { execa } from 'execa';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { logPath } from './logs.js';
import { LineClock, LineSplitter, LogFileWriter } from './log-writer.js';

export interface TaskFifos {
  stdout: string;
  stderr: string;
}

/**
 * The named pipes the shim writes a container's streams into: `<logDir>/<namespace>/.fifo/<id>.out`
 * and `.err`. They outlive this process, which is how a restarted daemon reads on where the last one
 * stopped (containerd clients re-attach the same way).
 */
export function fifoPaths(logDir: string, namespace: string, id: string): TaskFifos {
  const dir = join(logDir, namespace, '.fifo');
  return { stdout: join(dir, `${id}.out`), stderr: join(dir, `${id}.err`) };
}

export interface LogCollectorOptions {
  /** Rotation bound of each log file (default 10 MiB). */
  maxBytes?: number;
  log?: Logger;
  clock?: LineClock;
}

interface Attached {
  sockets: Socket[];
  splitters: LineSplitter[];
  writer: LogFileWriter;
  /** Resolves when the shim has closed both streams and every line is written. */
  done: Promise<void>;
}

const STREAMS = ['stdout', 'stderr'] as const;

/**
 * Every container's stdout and stderr, read by this one process (issue #16 item 1): no helper process
 * per container. The shim copies each stream into a FIFO (containerd 1.6 pkg/process/io.go opens it
 * for writing, and once more for reading so that a writer never gets EPIPE while no one reads); we read
 * both with non-blocking sockets and append stamped lines to the container's log file. What is held per
 * container: two partial lines (each cut at MAX_LINE_CHARS) and one chunk per stream waiting for its
 * write; a stream is paused until its chunk is on disk. While no one reads, the kernel holds what a
 * FIFO's buffer takes (64 KiB on Linux) and then the container's writes wait.
 */
export class LogCollector {
  private readonly attached = new Map<string, Attached>();
  private readonly maxBytes: number;
  private readonly clock: LineClock;

  constructor(
    private readonly logDir: string,
    private readonly o: LogCollectorOptions = {},
  ) {
    this.maxBytes = o.maxBytes ?? 10 * 1024 * 1024;
    this.clock = o.clock ?? new LineClock();
  }

  /** Makes the container's FIFOs ahead of its first task (a create does, beside its network attach). */
  async prepare(namespace: string, id: string): Promise<void> {
    await ensureFifos(fifoPaths(this.logDir, namespace, id));
  }

  /**
   * Makes the container's FIFOs (when missing) and starts reading them. Call it before the task is
   * created: the shim's open for writing waits until a reader is there. `fifosListed`: both were just
   * listed as FIFOs (resume), so they are not looked at again.
   */
  async attach(namespace: string, id: string, fifosListed = false): Promise<TaskFifos> {
    const fifos = fifoPaths(this.logDir, namespace, id);
    if (this.attached.has(key(namespace, id))) return fifos;
    if (!fifosListed) await ensureFifos(fifos);
    if (this.attached.has(key(namespace, id))) return fifos; // attached meanwhile
    // O_NONBLOCK: the open returns at once without a writer, and the socket reads through epoll
    // (a blocking read would hold one of libuv's four pool threads per container).
    const fds = [fifos.stdout, fifos.stderr].map((p) =>
      openSync(p, constants.O_RDONLY | constants.O_NONBLOCK),
    );
    const writer = new LogFileWriter(logPath(this.logDir, namespace, id), this.maxBytes, this.clock);
    const splitters = STREAMS.map(() => new LineSplitter());
    const sockets: Socket[] = [];
    const ends = STREAMS.map((stream, i) => {
      const fd = fds[i] as number;
      const splitter = splitters[i] as LineSplitter;
      const sock = new Socket({ fd, readable: true, writable: false, allowHalfOpen: true });
      sock.unref(); // reading logs never keeps the process alive
      sockets.push(sock);
      return this.pump(sock, splitter, (lines) => writer.append(stream, lines), { namespace, id, stream });
    });
    const a: Attached = {
      sockets,
      splitters,
      writer,
      done: Promise.all(ends).then(() => writer.idle()),
    };
    this.attached.set(key(namespace, id), a);
    void a.done.then(() => {
      if (this.attached.get(key(namespace, id)) === a) this.attached.delete(key(namespace, id));
    });
    return fifos;
  }

  private pump(
    sock: Socket,
    splitter: LineSplitter,
    write: (lines: string[]) => Promise<void>,
    ctx: { namespace: string; id: string; stream: string },
  ): Promise<void> {
    const written = (p: Promise<void>) =>
      p.catch((err: unknown) =>
        this.o.log?.warn('container log lines not written', { ...ctx, error: errorMessage(err) }),
      );
    return new Promise<void>((resolve) => {
      sock.on('data', (chunk: Buffer) => {
        const lines = splitter.push(chunk);
        if (lines.length === 0) return;
        sock.pause(); // at most one chunk per stream waits for the disk
        void written(write(lines)).then(() => sock.resume());
      });
      sock.once('end', () => {
        sock.destroy();
        void written(write(splitter.end())).then(resolve);
      });
      sock.once('error', (err) => {
        this.o.log?.warn('container log stream failed', { ...ctx, error: errorMessage(err) });
        sock.destroy();
        resolve();
      });
      sock.once('close', () => resolve());
    });
  }

  isAttached(namespace: string, id: string): boolean {
    return this.attached.has(key(namespace, id));
  }

  /**
   * Waits until the shim has closed both streams and the last lines are written (at most `waitMs`:
   * a task deleted through the runtime has had its output copied by then), then stops reading.
   */
  async detach(namespace: string, id: string, waitMs = 2_000): Promise<void> {
    const a = this.attached.get(key(namespace, id));
    if (!a) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([a.done, new Promise((r) => (timer = setTimeout(r, waitMs)))]);
    clearTimeout(timer);
    await this.stop(namespace, id, a);
  }

  /** Stops reading and removes the container's FIFOs (the container is being removed). */
  async forget(namespace: string, id: string, waitMs = 2_000): Promise<void> {
    await this.detach(namespace, id, waitMs);
    const f = fifoPaths(this.logDir, namespace, id);
    await Promise.all([rm(f.stdout, { force: true }), rm(f.stderr, { force: true })]);
  }

  /**
   * After a restart of this process: reads on from the FIFOs of the containers whose task still runs
   * (`running` answers per namespace). A stopped task's shim may have closed its end already, and a
   * FIFO whose writer is gone before we open it never reports an end; start() attaches those anew.
   */
  async resume(running: (namespace: string) => Promise<Set<string>>): Promise<string[]> {
    const resumed: string[] = [];
    for (const ns of await readdir(this.logDir).catch(() => [] as string[])) {
      // Listed with their types: FIFOs found here need no lstat each (2,000 at N = 1,000).
      const entries = await readdir(join(this.logDir, ns, '.fifo'), { withFileTypes: true }).catch(() => []);
      const fifos = new Set(entries.filter((e) => e.isFIFO()).map((e) => e.name));
      const ids = entries.filter((e) => e.name.endsWith('.out')).map((e) => e.name.slice(0, -'.out'.length));
      if (ids.length === 0) continue;
      const live = await running(ns);
      const todo = ids.filter((i) => live.has(i));
      // A few attaches at once: each is some file-system calls on libuv's pool, and one after another
      // a thousand took 1.2 s of the provider's start at N = 1,000 (issue #16).
      let next = 0;
      const worker = async () => {
        for (let id = todo[next++]; id !== undefined; id = todo[next++]) {
          await this.attach(ns, id, fifos.has(`${id}.out`) && fifos.has(`${id}.err`));
          resumed.push(`${ns}/${id}`);
        }
      };
      await Promise.all(Array.from({ length: Math.min(RESUME_AT_ONCE, todo.length) }, worker));
    }
    return resumed;
  }

  /** Stops reading every container (the process is stopping); partial lines are written as lines. */
  async close(): Promise<void> {
    await Promise.all([...this.attached].map(([k, a]) => this.stop(...split(k), a)));
  }

  private async stop(namespace: string, id: string, a: Attached): Promise<void> {
    if (this.attached.get(key(namespace, id)) === a) this.attached.delete(key(namespace, id));
    for (const s of a.sockets) s.destroy();
    STREAMS.forEach(
      (stream, i) => void a.writer.append(stream, a.splitters[i]?.end() ?? []).catch(() => undefined),
    );
    await a.writer.idle();
  }
}

/** Containers whose log readers resume at the same time after a restart. */
const RESUME_AT_ONCE = 16;

function key(namespace: string, id: string): string {
  return `${namespace}/${id}`;
}

function split(k: string): [string, string] {
  const i = k.indexOf('/');
  return [k.slice(0, i), k.slice(i + 1)];
}

/** mkfifo for the missing ones (Node has no mkfifo); anything else at the path is replaced. */
async function ensureFifos(f: TaskFifos): Promise<void> {
  const missing: string[] = [];
  for (const p of [f.stdout, f.stderr]) {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isFIFO()) continue;
    if (st) await rm(p, { force: true });
    missing.push(p);
  }
  if (missing.length === 0) return;
  await mkdir(join(f.stdout, '..'), { recursive: true, mode: 0o700 });
  await execa('mkfifo', ['-m', '600', ...missing]);
}
