import { setTimeout as delay } from 'node:timers/promises';
import type { GatewayApi } from './chaos-api.js';
import type { Daemon, Target } from './chaos-daemons.js';
import type { PlannedKill, PlannedOp } from './chaos-plan.js';

export type Presence = 'present' | 'absent' | 'unknown';

/**
 * What the bench believes of each function from the answers it got. A change that got no answer (its
 * daemon was killed) leaves the function `unknown` until the next listing; a failed update leaves it
 * `present`: the old version must keep serving.
 */
export class FunctionModel {
  readonly presence: Presence[];
  readonly version: number[];

  constructor(readonly names: string[]) {
    this.presence = names.map(() => 'absent');
    this.version = names.map(() => 0);
  }
}

export interface OpTally {
  ops: number;
  /** The daemons actually killed (a planned kill finds nothing while its daemon is down). */
  killed: Target[];
  /** Answers other than the expected 2xx, by `kind status` (status 0: no answer). */
  failures: Map<string, number>;
}

const ok = (status: number) => status >= 200 && status < 300;

async function runOp(api: GatewayApi, m: FunctionModel, op: PlannedOp, tally: OpTally): Promise<void> {
  const i = op.fn;
  const name = m.names[i] ?? '';
  // An operation that needs the function on one that is gone becomes a deploy, and the reverse.
  let kind = op.kind;
  if (m.presence[i] === 'absent' && kind !== 'deploy') kind = 'deploy';
  else if (m.presence[i] === 'present' && kind === 'deploy') kind = 'update';
  let status: number;
  switch (kind) {
    case 'deploy':
      m.version[i] = (m.version[i] ?? 0) + 1;
      status = await api.deploy(name, m.version[i] ?? 0);
      m.presence[i] = ok(status) || status === 409 ? 'present' : 'unknown';
      break;
    case 'update':
      m.version[i] = (m.version[i] ?? 0) + 1;
      status = await api.update(name, m.version[i] ?? 0);
      if (status === 404) m.presence[i] = 'unknown';
      break;
    case 'scale':
      status = await api.scale(name, op.replicas);
      break;
    case 'delete':
      status = await api.remove(name);
      m.presence[i] = ok(status) || status === 404 ? 'absent' : 'unknown';
      break;
    case 'invoke':
      status = await api.invoke(name);
      break;
  }
  tally.ops++;
  if (!ok(status))
    tally.failures.set(`${kind} ${status}`, (tally.failures.get(`${kind} ${status}`) ?? 0) + 1);
}

/**
 * Runs one round's operations with `concurrency` workers (operations on one function never overlap, so
 * the model stays exact), firing each planned kill as the operation it is tied to starts.
 */
export async function runRound(o: {
  api: GatewayApi;
  model: FunctionModel;
  ops: PlannedOp[];
  kills: PlannedKill[];
  daemons: Map<Target, Daemon>;
  concurrency: number;
  /** Pause of each worker between its operations. */
  gapMs: number;
  log: (line: string) => void;
}): Promise<OpTally> {
  const tally: OpTally = { ops: 0, killed: [], failures: new Map() };
  const locks = new Map<number, Promise<void>>();
  const killing: Promise<void>[] = [];
  let next = 0;
  const worker = async () => {
    while (next < o.ops.length) {
      const index = next++;
      const op = o.ops[index];
      if (!op) break;
      for (const k of o.kills.filter((k) => k.atOp === index)) {
        const d = o.daemons.get(k.target);
        if (!d) continue;
        killing.push(
          d.kill9().then((killed) => {
            o.log(`kill -9 ${k.target} (op ${index + 1})${killed ? '' : ': it was down, nothing to kill'}`);
            if (killed) tally.killed.push(k.target);
          }),
        );
      }
      const before = locks.get(op.fn) ?? Promise.resolve();
      const mine = before.then(() => runOp(o.api, o.model, op, tally));
      locks.set(op.fn, mine);
      await mine;
      if (o.gapMs) await delay(o.gapMs);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  await Promise.all(killing);
  return tally;
}
