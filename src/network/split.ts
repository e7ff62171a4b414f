/** Where one attach spent its time: ms per phase (store, rules, netns, lo) and per CNI plugin type. */
export interface AttachSplit {
  total: number;
  laps: Record<string, number>;
}

/** A stopwatch of named laps; `skip` starts the next lap without recording one (plugins time themselves). */
export class Split {
  readonly laps: Record<string, number> = {};
  private readonly start = performance.now();
  private mark = this.start;

  lap(name: string): void {
    const now = performance.now();
    this.laps[name] = Math.round(now - this.mark);
    this.mark = now;
  }

  skip(): void {
    this.mark = performance.now();
  }

  done(): AttachSplit {
    return { total: Math.round(performance.now() - this.start), laps: this.laps };
  }
}
