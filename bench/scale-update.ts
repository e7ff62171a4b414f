// An update under load: wrk (8 connections, 30 s) on a slow-starting Node function that answers with its
// version, the PUT of version 2 in the middle. A side poller (one request every 20 ms) notes the first
// answer from the new version; wrk counts every non-2xx answer and socket error.
import { setTimeout as delay } from 'node:timers/promises';
import { pollUntil } from '../test/helpers/wait.js';
import { IMAGES } from './scale-images.js';
import type { Deployment, ScaleApi } from './scale-api.js';
import { wrk, type WrkResult } from './wrk.js';

export interface UpdateResult {
  wrk: WrkResult;
  /** PUT sent -> its answer (the new version ready, traffic moved). */
  putMs: number;
  /** PUT sent -> the first answer that says `ok 2`; undefined if none came. */
  firstNewMs: number | undefined;
  /** The side poller's answers, and those that were not 200. */
  polled: number;
  pollerFailures: number;
}

const NAME = 'upd-node';
const DURATION_S = 30;

const version = (v: number): Deployment => ({
  service: NAME,
  image: IMAGES.app,
  envVars: { VERSION: String(v) },
});

/** GETs every `gapMs` until `stop` says so (bounded by `max`), noting when `ok 2` first answers. */
async function poll(api: ScaleApi, stop: () => boolean, gapMs: number, max: number) {
  let polled = 0;
  let failures = 0;
  let firstNewAt: number | undefined;
  while (!stop() && polled < max) {
    const res = await api.invoke(NAME, 5000).catch(() => ({ status: 0, body: '' }));
    polled++;
    if (res.status !== 200) failures++;
    else if (firstNewAt === undefined && res.body.startsWith('ok 2')) firstNewAt = performance.now();
    await delay(gapMs);
  }
  return { polled, failures, firstNewAt };
}

export async function benchUpdate(api: ScaleApi): Promise<UpdateResult> {
  await api.deploy(version(1));
  try {
    await pollUntil(
      `${NAME} v1 to answer`,
      async () => ((await api.invoke(NAME)).body.startsWith('ok 1') ? true : undefined),
      { timeoutMs: 60_000 },
    );
    let done = false;
    const load = wrk(`${api.gateway}/function/${NAME}`, {
      connections: 8,
      threads: 2,
      durationS: DURATION_S,
    }).finally(() => (done = true));
    const poller = poll(api, () => done, 20, 5000);
    await delay((DURATION_S * 1000) / 2);
    const sent = performance.now();
    await api.update(version(2));
    const putMs = performance.now() - sent;
    const [w, p] = await Promise.all([load, poller]);
    return {
      wrk: w,
      putMs: Math.round(putMs),
      firstNewMs: p.firstNewAt === undefined ? undefined : Math.round(p.firstNewAt - sent),
      polled: p.polled,
      pollerFailures: p.failures,
    };
  } finally {
    await api.remove(NAME);
  }
}
