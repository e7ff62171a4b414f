// Autoscaling: a function whose replica serves one request at a time (bench/scale-fn.c, 50 ms each) with
// `capacity`, target 1 (proportion 1: N requests in flight ask for N replicas), loaded by wrk stepped
// from 1 to 4 connections; then no load. A watcher reads describe every 250 ms.
import { setTimeout as delay } from 'node:timers/promises';
import { pollUntil } from '../test/helpers/wait.js';
import { IMAGES } from './scale-images.js';
import type { ScaleApi } from './scale-api.js';
import { wrk, type WrkResult } from './wrk.js';

export interface AutoscaleResult {
  /** Start of the 4-connection step -> describe says replicas = 4, and 4 available. */
  toFourS: number | undefined;
  toFourReadyS: number | undefined;
  /** Start of the load (1 connection) -> replicas = 4. */
  fromLoadS: number | undefined;
  /** End of the load -> replicas back to min (1). */
  backToMinS: number | undefined;
  steps: { connections: number; wrk: WrkResult }[];
  /** The replica counts seen, in order, without repeats. */
  path: number[];
}

const NAME = 'auto-serial';
const STEP_S = 10;
const LAST_STEP_S = 20;
const DOWN_TIMEOUT_MS = 240_000;

export async function benchAutoscale(api: ScaleApi): Promise<AutoscaleResult> {
  await api.deploy({
    service: NAME,
    image: IMAGES.serial,
    labels: {
      'com.openfaas.scale.type': 'capacity',
      'com.openfaas.scale.target': '1',
      'com.openfaas.scale.target-proportion': '1',
      'com.openfaas.scale.min': '1',
      'com.openfaas.scale.max': '8',
    },
  });
  try {
    await pollUntil(
      `${NAME} to answer`,
      async () => ((await api.invoke(NAME)).status === 200 ? true : undefined),
      {
        timeoutMs: 60_000,
      },
    );
    const seen: { at: number; replicas: number; available: number }[] = [];
    let watching = true;
    const watcher = (async () => {
      for (let i = 0; watching && i < 4 * 600; i++) {
        const s = await api.describe(NAME).catch(() => undefined);
        if (s) seen.push({ at: performance.now(), replicas: s.replicas, available: s.availableReplicas });
        await delay(250);
      }
    })();
    const loadStart = performance.now();
    const steps: AutoscaleResult['steps'] = [];
    let stepFour = 0;
    for (const c of [1, 2, 3, 4]) {
      if (c === 4) stepFour = performance.now();
      const w = await wrk(`${api.gateway}/function/${NAME}`, {
        connections: c,
        threads: Math.min(c, 2),
        durationS: c === 4 ? LAST_STEP_S : STEP_S,
      });
      steps.push({ connections: c, wrk: w });
    }
    const loadEnd = performance.now();
    await pollUntil(
      `${NAME} back to 1 replica`,
      async () => (seen.some((s) => s.at > loadEnd && s.replicas === 1) ? true : undefined),
      { timeoutMs: DOWN_TIMEOUT_MS, intervalMs: 250 },
    ).catch(() => undefined);
    watching = false;
    await watcher;
    const firstAt = (from: number, ok: (s: (typeof seen)[number]) => boolean) => {
      const s = seen.find((x) => x.at >= from && ok(x));
      return s && Number(((s.at - from) / 1000).toFixed(1));
    };
    const path = seen.map((s) => s.replicas).filter((r, i, a) => i === 0 || a[i - 1] !== r);
    return {
      toFourS: firstAt(stepFour, (s) => s.replicas >= 4),
      toFourReadyS: firstAt(stepFour, (s) => s.available >= 4),
      fromLoadS: firstAt(loadStart, (s) => s.replicas >= 4),
      backToMinS: firstAt(loadEnd, (s) => s.replicas === 1),
      steps,
      path,
    };
  } finally {
    await api.remove(NAME);
  }
}
