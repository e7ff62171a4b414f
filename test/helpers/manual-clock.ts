import type { Clock } from '../../src/ui/history.js';

/** A Clock that moves only when the test says so. */
export class ManualClock implements Clock {
  constructor(private ms = 1_700_000_000_000) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
