/** What the marks read the time from: `performance` by default (ms since the process started). */
export interface MarkClock {
  now(): number;
}

/**
 * Milestones of `faasd up`'s start, each as milliseconds since the process started (the origin of
 * `performance.now()`, so Node's own start and the loading of the bundle count too). Logged as fields
 * (`containerd_ms=41`), where the bench and an operator read where a slow start went.
 */
export class StartupMarks {
  private readonly marks: [step: string, ms: number][] = [];

  constructor(private readonly clock: MarkClock = performance) {}

  mark(step: string): void {
    this.marks.push([step, Math.round(this.clock.now())]);
  }

  /** `{ <step>_ms: ms since process start }`, in the order the steps were reached. */
  fields(): Record<string, number> {
    return Object.fromEntries(this.marks.map(([step, ms]) => [`${step}_ms`, ms]));
  }
}

/** The marks back from a logged line (`... config_ms=180 listen_ms=212`): `{ config: 180, listen: 212 }`. */
export function parseStartupMarks(line: string): Record<string, number> {
  const marks: Record<string, number> = {};
  for (const [, step, ms] of line.matchAll(/(?:^|\s)(\w+)_ms=(\d+)(?=\s|$)/g))
    if (step) marks[step] = Number(ms);
  return marks;
}
