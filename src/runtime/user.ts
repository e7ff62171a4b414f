import { InvalidArgumentError } from '../errors.js';

const NAMED: Record<string, number> = { root: 0, nobody: 65534 };

/** Parses `uid[:gid]` (numbers, or the names root and nobody); names from the image's passwd are not read. */
export function parseUser(user: string | undefined): { uid: number; gid: number } {
  if (!user) return { uid: 0, gid: 0 };
  const [u = '', g] = user.split(':');
  const num = (s: string, field: string): number => {
    if (/^\d+$/.test(s)) return Number(s);
    const named = NAMED[s];
    if (named !== undefined) return named;
    throw new InvalidArgumentError(
      field,
      `user ${JSON.stringify(user)}: use numeric uid[:gid] (or root, nobody)`,
    );
  };
  const uid = num(u, 'user');
  return { uid, gid: g === undefined ? uid : num(g, 'user') };
}
