/**
 * Where one operation's time went, as `<name>_ms` fields for its log line (issue #16: the provider's
 * "deployed function" line, which bench/density prints as the deploy's split). A lap records the ms
 * since the previous one; `into` absent makes every lap a no-op, so callers pass it only when asked.
 */
export class Laps {
  private mark = performance.now();

  constructor(
    private readonly into: Record<string, number> | undefined,
    private readonly prefix = '',
  ) {}

  lap(name: string): void {
    const now = performance.now();
    if (this.into) this.into[`${this.prefix}${name}_ms`] = Math.round(now - this.mark);
    this.mark = now;
  }
}
