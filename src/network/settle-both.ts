/**
 * Waits for both to settle, then throws the first one's rejection (or else the second's) or returns
 * both values. Unlike Promise.all, neither is still running when the caller starts undoing.
 */
export async function settleBoth<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [x, y] = await Promise.allSettled([a, b]);
  if (x.status === 'rejected') throw x.reason;
  if (y.status === 'rejected') throw y.reason;
  return [x.value, y.value];
}
