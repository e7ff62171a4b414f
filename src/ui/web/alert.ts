import { describeError } from './api.js';

/** The page-wide error line (role="alert"): failures are shown, never swallowed. */
export function report(err: unknown, context?: string): void {
  const el = document.getElementById('alert');
  if (!el) return;
  el.textContent = context ? `${context}: ${describeError(err)}` : describeError(err);
  el.hidden = false;
}

export function clearReport(): void {
  const el = document.getElementById('alert');
  if (el) {
    el.textContent = '';
    el.hidden = true;
  }
}

/** A polite status line for what just happened ("Scaled to 0"). */
export function announce(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

/** Repeats `fn` every `ms` while the view is shown; the returned function stops it. */
export function every(ms: number, fn: () => Promise<void>): () => void {
  let stopped = false;
  let timer: number | undefined;
  const run = async () => {
    try {
      await fn();
    } catch (err) {
      report(err);
    }
    if (!stopped) timer = window.setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
  };
}
