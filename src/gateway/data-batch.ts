import { ByFunction } from '../by-function.js';
import { Metrics, type SeriesDelta } from '../http/metrics.js';

/** Requests the data-path thread began and ended on one replica since its last batch. */
export interface LoadDelta {
  namespace: string;
  name: string;
  address: string;
  begun: number;
  ended: number;
}

/** What the data-path thread saw since its last batch (sent at most every BATCH_MS). */
export interface DataBatch {
  /** Invocation counts and durations, as the gateway's metrics hold them. */
  metrics: SeriesDelta[];
  /** In flight per replica: the balancer's, autoscaler's and scale-to-zero's input (LoadTracker). */
  load: LoadDelta[];
  /** Replicas that refused a connection: the main thread re-resolves and marks them (the gate). */
  refused: { namespace: string; name: string; address: string }[];
}

/** How often a batch goes (when there is one); the autoscaler looks every few seconds. */
export const BATCH_MS = 100;
/** Refusals kept per batch: one per replica is what matters, the rest repeat it. */
const MAX_REFUSED = 256;

/**
 * The data-path thread's counters between batches. Bounded: metrics by their series bound, load by the
 * route snapshot (only its addresses are ever counted), refusals by MAX_REFUSED.
 */
export class DataObservations {
  private readonly metrics: Metrics;
  private load = new ByFunction<Map<string, LoadDelta>>();
  private refused: DataBatch['refused'] = [];
  private any = false;

  constructor(maxSeries?: number) {
    this.metrics = new Metrics(maxSeries);
  }

  private entry(namespace: string, name: string, address: string): LoadDelta {
    let byAddress = this.load.get(namespace, name);
    if (!byAddress) this.load.set(namespace, name, (byAddress = new Map<string, LoadDelta>()));
    let d = byAddress.get(address);
    if (!d) byAddress.set(address, (d = { namespace, name, address, begun: 0, ended: 0 }));
    this.any = true;
    return d;
  }

  begin(namespace: string, name: string, address: string): void {
    this.entry(namespace, name, address).begun++;
  }

  end(namespace: string, name: string, address: string): void {
    this.entry(namespace, name, address).ended++;
  }

  observe(fn: string, code: number, seconds: number): void {
    this.metrics.observe(fn, code, seconds);
    this.any = true;
  }

  refusedAt(namespace: string, name: string, address: string): void {
    if (this.refused.length < MAX_REFUSED) this.refused.push({ namespace, name, address });
    this.any = true;
  }

  /** The batch since the last take, or undefined when nothing happened. */
  take(): DataBatch | undefined {
    if (!this.any) return undefined;
    const load: LoadDelta[] = [];
    for (const { namespace, name } of this.load.keys())
      for (const d of this.load.get(namespace, name)?.values() ?? []) load.push(d);
    const batch = { metrics: this.metrics.take(), load, refused: this.refused };
    this.load = new ByFunction<Map<string, LoadDelta>>();
    this.refused = [];
    this.any = false;
    return batch;
  }
}

/** Where the main thread puts a batch: the gateway's metrics, the provider's load tracker, the gate. */
export interface DataSink {
  merge(metrics: SeriesDelta[]): void;
  load: {
    begin(namespace: string, name: string, address: string): void;
    end(namespace: string, name: string, address: string): void;
  };
  refused(namespace: string, name: string, address: string): void;
}

/** Applies one batch on the main thread: counts as if its requests had passed the main thread's path. */
export function applyBatch(b: DataBatch, sink: DataSink): void {
  sink.merge(b.metrics);
  for (const d of b.load) {
    for (let i = 0; i < d.begun; i++) sink.load.begin(d.namespace, d.name, d.address);
    for (let i = 0; i < d.ended; i++) sink.load.end(d.namespace, d.name, d.address);
  }
  for (const r of b.refused) sink.refused(r.namespace, r.name, r.address);
}
