/**
 * What the autoscaler reads, as it needs it: the provider hands these in (it parses the policy from
 * OpenFaaS Pro's com.openfaas.scale.* labels in provider/scale-labels.ts and counts the load on its
 * invoke path), so this folder imports nothing of the provider's.
 */

/** A function's scaling policy (docs/scaling.md). */
export interface AutoscalePolicy {
  min: number;
  max: number;
  /** Load per replica: requests per second (rps), requests in flight (capacity), millicores (cpu). */
  target: number;
  type: 'rps' | 'capacity' | 'cpu';
  proportion: number;
  zero: boolean;
  zeroDurationMs: number;
  /** Whether the replica count follows the load (labelled, min < max); otherwise it stays manual. */
  autoscale: boolean;
}

/** One function as the autoscaler sees it. */
export interface ScaleTarget {
  namespace: string;
  name: string;
  policy: AutoscalePolicy;
  /** The desired count (0: scaled to zero). */
  replicas: number;
  /** Its serving containers' IDs (for cpu). */
  containers: string[];
}

/** A function's load so far, as the invoke path counts it. */
export interface LoadSample {
  /** Requests begun since the daemon started (monotonic: the autoscaler takes deltas). */
  requests: number;
  inflight: number;
  /** Date.now() of the last invocation or endpoint lookup. */
  lastActive: number;
  /** Invocations waiting for a ready replica: the function is not idle. */
  waiting: number;
}

/** The replicas a load asks for: ceil(load / (target × proportion)), clamped to [min, max]. */
export function replicasFor(
  load: number,
  p: Pick<AutoscalePolicy, 'min' | 'max' | 'target' | 'proportion'>,
): number {
  const want = load > 0 ? Math.ceil(load / (p.target * p.proportion) - 1e-9) : 0;
  return Math.min(p.max, Math.max(p.min, want));
}
