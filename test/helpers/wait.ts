import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`.
 * `early` rejects at once when the thing being waited for has already died (a process exiting).
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; early?: Promise<never> } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let lastError: unknown;
  const loop = async (): Promise<T> => {
    while (Date.now() < deadline) {
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        lastError = err;
      }
      await delay(opts.intervalMs ?? 20);
    }
    throw new Error(`timed out waiting for ${what}`, { cause: lastError });
  };
  return opts.early ? Promise.race([loop(), opts.early]) : loop();
}
