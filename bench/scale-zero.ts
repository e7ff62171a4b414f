// Scale from zero, the compiled test function (bench/fn-server.c): scaled to 0 through the API, then one
// GET through the gateway, timed until its 200. The daemon's log lines give the split: the gateway's
// scale call (the task start in it) and the wait until the readiness probe saw the function answer.
import { pollUntil } from '../test/helpers/wait.js';
import { IMAGES } from './scale-images.js';
import type { ScaleApi } from './scale-api.js';
import { logFields, num } from './scale-log.js';
import { median } from './stats.js';

export interface ZeroRound {
  ms: number;
  /** From the provider's "function ready" line: the task start, and start -> ready. */
  taskStartMs: number | undefined;
  readyAfterMs: number | undefined;
  probes: number | undefined;
  /** From the gateway's "scaled from zero" line. */
  scaleMs: number | undefined;
  waitMs: number | undefined;
}

export interface ZeroResult {
  rounds: ZeroRound[];
  medianMs: number;
}

const NAME = 'zero-c';

export async function benchZero(api: ScaleApi, logs: () => string, rounds: number): Promise<ZeroResult> {
  await api.deploy({ service: NAME, image: IMAGES.compiled });
  try {
    await pollUntil(
      `${NAME} to answer`,
      async () => ((await api.invoke(NAME)).status === 200 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    const out: ZeroRound[] = [];
    for (let i = 0; i < rounds; i++) {
      await api.scale(NAME, 0);
      await pollUntil(
        `${NAME} at zero`,
        async () => {
          const s = await api.describe(NAME);
          return s.replicas === 0 && s.availableReplicas === 0 ? true : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const from = logs().length;
      const t0 = performance.now();
      const res = await api.invoke(NAME, 30_000);
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`scale from zero: ${res.status} ${res.body.slice(0, 200)}`);
      // The log lines are written before the answer; the pipe may deliver them a moment later.
      const ready = await pollUntil(
        'the "function ready" log line',
        async () => logFields(logs(), from, 'function ready', { container: NAME }),
        { timeoutMs: 5000 },
      ).catch(() => undefined);
      const scaled = logFields(logs(), from, 'scaled from zero', { function: NAME });
      out.push({
        ms: Math.round(ms),
        taskStartMs: num(ready, 'start_ms'),
        readyAfterMs: num(ready, 'after_ms'),
        probes: num(ready, 'probes'),
        scaleMs: num(scaled, 'scale_ms'),
        waitMs: num(scaled, 'wait_ms'),
      });
    }
    return { rounds: out, medianMs: median(out.map((r) => r.ms)) };
  } finally {
    await api.remove(NAME);
  }
}
