/**
 * The replicas gauge (OpenFaaS's gateway_service_count, per function) and the autoscaler's decisions
 * as a counter, in Prometheus text. Bounded: entries of functions that are gone are dropped each tick.
 */
export class ScaleMetrics {
  private readonly replicas = new Map<string, number>();
  private readonly decisions = new Map<string, number>();

  /** The functions that exist now, `name.namespace` → desired replicas. */
  setReplicas(current: ReadonlyMap<string, number>): void {
    this.replicas.clear();
    for (const [fn, n] of current) this.replicas.set(fn, n);
    for (const k of this.decisions.keys())
      if (!current.has(k.split('\u0000')[0] ?? '')) this.decisions.delete(k);
  }

  /** A change the autoscaler made: counted, and the gauge shows it now rather than at the next tick. */
  decided(fn: string, direction: 'up' | 'down' | 'zero', replicas: number): void {
    const k = `${fn}\u0000${direction}`;
    this.decisions.set(k, (this.decisions.get(k) ?? 0) + 1);
    this.replicas.set(fn, replicas);
  }

  render(): string {
    const out = [
      '# HELP gateway_service_count Desired replicas per function.',
      '# TYPE gateway_service_count gauge',
      ...[...this.replicas].map(([fn, n]) => `gateway_service_count{function_name="${fn}"} ${n}`),
      '# HELP faasd_autoscaler_decisions_total Replica changes made by the autoscaler, by direction.',
      '# TYPE faasd_autoscaler_decisions_total counter',
      ...[...this.decisions].map(([k, n]) => {
        const [fn, dir] = k.split('\u0000');
        return `faasd_autoscaler_decisions_total{function_name="${fn}",direction="${dir}"} ${n}`;
      }),
    ];
    return out.join('\n') + '\n';
  }
}
