import type { Target } from './chaos-daemons.js';

/** mulberry32: a small seeded generator, so a run with the same seed makes the same plan. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type OpKind = 'deploy' | 'update' | 'scale' | 'delete' | 'invoke';

export interface PlannedOp {
  fn: number;
  kind: OpKind;
  /** For scale: the replica count asked for (faasd CE allows 0 or 1). */
  replicas: number;
}

export interface PlannedKill {
  round: number;
  /** The kill fires when this operation of the round starts, while earlier ones are still in flight. */
  atOp: number;
  target: Target;
}

export interface ChaosPlan {
  seed: number;
  rounds: PlannedOp[][];
  kills: PlannedKill[];
}

// Invokes dominate, as in real use; deletes are rarer than deploys so most functions exist most of the time.
const WEIGHTS: [OpKind, number][] = [
  ['invoke', 35],
  ['deploy', 20],
  ['update', 20],
  ['scale', 15],
  ['delete', 10],
];
/** What a kill may hit: the one daemon (`faasd up`: provider, gateway, queue-worker) or, split, the provider apart. */
export const TARGETS: Record<'daemon' | 'split', Target[]> = {
  daemon: ['up', 'containerd'],
  split: ['provider', 'up', 'containerd'],
};

function weighted(r: number): OpKind {
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let x = r * total;
  for (const [kind, w] of WEIGHTS) {
    if (x < w) return kind;
    x -= w;
  }
  return 'invoke';
}

/** The whole run, decided up front from the seed: each round's operations and when each kill lands. */
export function makePlan(o: {
  seed: number;
  rounds: number;
  opsPerRound: number;
  functions: number;
  kills: number;
  targets: Target[];
}): ChaosPlan {
  const rnd = seededRandom(o.seed);
  const rounds = Array.from({ length: o.rounds }, () =>
    Array.from({ length: o.opsPerRound }, () => ({
      fn: Math.floor(rnd() * o.functions),
      kind: weighted(rnd()),
      replicas: rnd() < 0.3 ? 0 : 1,
    })),
  );
  // Kills are spread over the rounds (as evenly as they divide), each at a random operation.
  const kills = Array.from({ length: o.kills }, (_, i) => ({
    round: Math.floor((i * o.rounds) / Math.max(1, o.kills)),
    atOp: Math.floor(rnd() * o.opsPerRound),
    target: o.targets[Math.floor(rnd() * o.targets.length)] ?? 'up',
  })).sort((a, b) => a.round - b.round || a.atOp - b.atOp);
  return { seed: o.seed, rounds, kills };
}

export function describeKills(plan: ChaosPlan): string {
  return plan.kills.map((k) => `round ${k.round + 1} op ${k.atOp + 1}: ${k.target}`).join('; ');
}
