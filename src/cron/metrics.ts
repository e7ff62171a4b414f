/**
 * `cron_invocations_total{function, code}` in Prometheus text. Series exist only for scheduled
 * functions: a function's are dropped when it is unscheduled, so the count of series stays bounded.
 */
export class CronMetrics {
  private readonly counts = new Map<string, Map<string, number>>();

  count(fn: string, code: string): void {
    let byCode = this.counts.get(fn);
    if (!byCode) {
      byCode = new Map<string, number>();
      this.counts.set(fn, byCode);
    }
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }

  forget(fn: string): void {
    this.counts.delete(fn);
  }

  render(): string {
    const lines = [
      '# HELP cron_invocations_total Runs of cron-function schedules by function and status code.',
      '# TYPE cron_invocations_total counter',
    ];
    for (const [fn, byCode] of this.counts)
      for (const [code, n] of byCode)
        lines.push(`cron_invocations_total{function="${fn}",code="${code}"} ${n}`);
    return lines.join('\n') + '\n';
  }
}
