import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** Resolves once a TCP connect to host:port succeeds; gives up (without throwing) after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      s.setTimeout(500);
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return true;
    await delay(20);
  }
  return false;
}
