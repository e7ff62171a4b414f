import { spawn } from 'node:child_process';

/** A raw libuv TCP handle as Node's IPC hands one over ('net.Native'): `net.Server#listen` takes it. */
export interface RawListenHandle {
  fd: number;
}

/**
 * The helper's program: its fd 3 (the listening socket, duplicated by spawn) wrapped as a raw TCP handle
 * without listening on it, so the helper never accepts a connection, and sent back over IPC.
 */
export const ECHO_LISTENER_SCRIPT =
  "const{TCP,constants}=process.binding('tcp_wrap');const h=new TCP(constants.SOCKET);h.open(3);" +
  "process.send('listener',h,()=>process.disconnect())";

/** Set for the single-file executable started as the helper: it runs ECHO_LISTENER_SCRIPT and exits. */
export const ECHO_ENV = 'FAASD_ECHO_LISTENER';

export interface EchoHelper {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

/** The helper under plain Node: `node -e SCRIPT`. (A single-file executable needs a mode of its own.) */
export function nodeEchoHelper(execPath = process.execPath): EchoHelper {
  return { command: execPath, args: ['-e', ECHO_LISTENER_SCRIPT] };
}

/**
 * A second descriptor of the listening socket `fd`, owned by the caller's event loop (issue #12).
 *
 * Why: a worker thread can `listen({ fd })` on the main thread's descriptor and both then accept on it,
 * but both handles own that one number and libuv closes it when either closes: a data-path thread that
 * exits (a crash, a restart, a clean stop) would close the gateway's port under the main thread, and the
 * second close could hit a number reused meanwhile. Node has no dup(); a child process does it for us:
 * spawn passes `fd` as the child's fd 3 (a dup), the child sends it back over IPC (SCM_RIGHTS: another
 * dup, in this process) and exits. Bounded by `timeoutMs`.
 */
export function duplicateListener(
  fd: number,
  helper: EchoHelper = nodeEchoHelper(),
  timeoutMs = 10_000,
): Promise<RawListenHandle> {
  return new Promise((resolve, reject) => {
    const child = spawn(helper.command, helper.args, {
      stdio: ['ignore', 'ignore', 'pipe', fd, 'ipc'],
      ...(helper.env ? { env: helper.env } : {}),
    });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`duplicating listener fd ${fd}: no answer from the helper in ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('message', (_m, handle) => {
      clearTimeout(timer);
      const raw = handle as unknown as RawListenHandle | undefined;
      if (raw && typeof raw.fd === 'number') resolve(raw);
      else reject(new Error(`duplicating listener fd ${fd}: the helper sent no handle`));
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      // After a message this is a no-op (the promise is settled).
      reject(new Error(`duplicating listener fd ${fd}: the helper exited (${code}) ${stderr.trim()}`));
    });
  });
}
