import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayApi } from './chaos-api.js';
import type { Daemon } from './chaos-daemons.js';
import { countLeaks, LEAK_KINDS, type LeakReport, type LeakScope } from './chaos-leaks.js';
import type { FunctionModel } from './chaos-round.js';

export interface SettleResult {
  /** Functions that should exist after the round (a lost one counts: it should have answered). */
  expected: number;
  answering: number;
  /** Functions the bench had deployed (2xx) that the provider no longer lists. */
  lost: string[];
  /** Functions deleted (2xx) that the provider lists again. */
  revived: string[];
  leaks: LeakReport;
  /** The daemons that did not come back within the settle time. */
  down: string[];
  settledMs: number;
}

export const leakTotal = (r: LeakReport) => LEAK_KINDS.reduce((s, k) => s + r.counts[k], 0);

/**
 * After a round: waits (bounded) for every daemon to be back, takes the provider's list as the truth for
 * what the round left unknown, then polls until every function that should exist answers 200 and nothing
 * leaked, or `settleMs` passes; the last look is the round's figures.
 */
export async function settle(o: {
  api: GatewayApi;
  model: FunctionModel;
  daemons: Daemon[];
  scope: Omit<LeakScope, 'expected'>;
  coreIds: Set<string>;
  settleMs: number;
}): Promise<SettleResult> {
  const start = Date.now();
  const left = () => Math.max(1000, o.settleMs - (Date.now() - start));
  const down: string[] = [];
  for (const d of o.daemons) await d.ready(left()).catch(() => down.push(d.name));

  let listed: string[] | undefined;
  while (!listed && Date.now() - start < o.settleMs) {
    listed = await o.api.list();
    if (!listed) await delay(500);
  }
  const m = o.model;
  const lost: string[] = [];
  const revived: string[] = [];
  m.names.forEach((name, i) => {
    if (!listed) return; // no listing: keep the model as it is
    const isListed = listed.includes(name);
    if (m.presence[i] === 'present' && !isListed) lost.push(name);
    if (m.presence[i] === 'absent' && isListed) revived.push(name);
    m.presence[i] = isListed ? 'present' : 'absent';
  });
  const names = m.names.filter((_, i) => m.presence[i] === 'present');
  const scope: LeakScope = {
    ...o.scope,
    expected: new Map([
      [o.scope.config.namespace, o.coreIds],
      [o.scope.config.functionNamespace, new Set(names)],
    ]),
  };

  for (;;) {
    const answers = await Promise.all(names.map((n) => o.api.invoke(n)));
    const answering = answers.filter((s) => s === 200).length;
    const leaks = await countLeaks(scope);
    const done = answering === names.length && leakTotal(leaks) === 0;
    if (done || Date.now() - start >= o.settleMs) {
      return {
        expected: names.length + lost.length,
        answering,
        lost,
        revived,
        leaks,
        down,
        settledMs: Date.now() - start,
      };
    }
    await delay(2000);
  }
}
