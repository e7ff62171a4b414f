/**
 * Where one operation's time went (issue #16): the provider's "deployed function" line, which
 * bench/density prints as the deploy's split, and the provider's start-up lines. `next()` is the ms
 * since the previous lap (the first: since construction); `lap(name)` also records it as
 * `<prefix><name>_ms` in `into` — absent `into` records nothing, so callers pass it only when asked.
 */
export class Laps {
  private mark = performance.now();

  constructor(
    private readonly into?: Record<string, number>,
    private readonly prefix = '',
  ) {}

  next(): number {
    const now = performance.now();
    const ms = Math.round(now - this.mark);
    this.mark = now;
    return ms;
  }

  lap(name: string): void {
    const ms = this.next();
    if (this.into) this.into[`${this.prefix}${name}_ms`] = ms;
  }
}
