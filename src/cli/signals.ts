/**
 * Resolves on the first SIGTERM or SIGINT, including one caught while the bundle was loading. The
 * handlers stay: with `once`, a signal arriving while an execa child runs found signal-exit's handler
 * alone (ours had removed itself), and signal-exit then raised the signal again: the daemon died by
 * SIGTERM without stopping anything. A second signal while stopping exits at once.
 */
function untilSignal(): Promise<string> {
  return new Promise<string>((res) => {
    const early = (globalThis as { __faasdEarlySignal?: string }).__faasdEarlySignal;
    if (early) res(early);
    let seen = Boolean(early);
    const onSignal = (sig: NodeJS.Signals) => {
      if (seen) process.exit(sig === 'SIGINT' ? 130 : 143);
      seen = true;
      res(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

/**
 * Every daemon's one signal handling: runs it until SIGTERM/SIGINT, then stops it. A signal while it
 * is still starting aborts what waits (containerd that is not there yet) and stops whatever did start,
 * so a stack is never left half-made.
 */
export async function serveUntilSignal(
  start: (signal: AbortSignal) => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  const signalled = untilSignal();
  const starting = new AbortController();
  void signalled.then(() => starting.abort());
  let running: { stop(): Promise<void> };
  try {
    running = await start(starting.signal);
  } catch (err) {
    if (starting.signal.aborted) return exitSoon();
    throw err;
  }
  await signalled;
  await running.stop();
  exitSoon();
}

/** Stopped cleanly: exit now rather than wait on a client library's stray timer (the NATS client's). */
function exitSoon(): void {
  setImmediate(() => process.exit(0));
}
