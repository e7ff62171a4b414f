/** Milliseconds since the last call (the first: since laps() was called): where a start spent its time. */
export function laps(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return ms;
  };
}
