import { setTimeout as delay } from 'node:timers/promises';

/**
 * containerd 1.6's runc v2 `start` (runtime/v2/runc/v2/service.go StartShim, runtime/v2/shim NewSocket
 * and CanConnect) when two task creates of one shim group start its shim at the same time: one binds
 * the group's socket; the other finds it in use, and when its connect check (a 100 ms timeout) fails —
 * a loaded host starves it — it removes the file and binds again, so one of them (or both) then fails
 * its chmod: "failed to start shim: ... create new shim socket: chmod /run/containerd/s/<hash>: no such
 * file or directory". Seen in `bench/density` deploying 1,000 functions 50 at a time (2 of 1,000).
 * Nothing of the task was made; a second try finds the winner's shim listening and joins it.
 */
const SHIM_SOCKET_RACE = /failed to start shim.*(shim socket|pre-existing socket)/s;

export function isShimSocketRace(err: unknown): boolean {
  return err instanceof Error && SHIM_SOCKET_RACE.test(err.message);
}

export interface ShimStartRetry {
  /** Tries in all (3 when absent). */
  attempts?: number;
  /** The wait before the n-th retry is n × this, plus up to as much again at random (25 ms when absent). */
  stepMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** Runs a task create, again after a short random wait when it lost the shim socket race above. */
export async function createRetryingShimRace<T>(
  create: () => Promise<T>,
  o: ShimStartRetry = {},
): Promise<T> {
  const attempts = Math.max(1, o.attempts ?? 3);
  const step = o.stepMs ?? 25;
  const sleep = o.sleep ?? ((ms: number) => delay(ms));
  for (let n = 1; ; n++) {
    try {
      return await create();
    } catch (err) {
      if (n >= attempts || !isShimSocketRace(err)) throw err;
      // Apart at random: two losers that retried in step would race again.
      await sleep(n * step + Math.random() * n * step);
    }
  }
}
