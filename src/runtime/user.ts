import { InvalidArgumentError } from '../errors.js';
import { parseGroup, parseId, parsePasswd } from './passwd.js';

/** A user or group as written: a number, or a name to look up in the image. */
export type IdOrName = { id: number } | { name: string };

/** `user` as Docker accepts it: `name`, `uid`, `name:group`, `uid:gid`, `uid:groupname`, `name:gid`. */
export interface UserSpec {
  user: IdOrName;
  group?: IdOrName;
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups (OCI `additionalGids`): those that list the user, when no group is given. */
  additionalGids: number[];
  /** From passwd; "/" when the user has no entry (as runc and Docker do). */
  home: string;
}

/** The image's own account files; undefined when the image has none. */
export interface UserFiles {
  passwd: string | undefined;
  group: string | undefined;
}

function idOrName(s: string): IdOrName {
  const id = parseId(s);
  return id === undefined ? { name: s } : { id };
}

/** Parses the `user` string; an empty or absent one is root. Syntax only: names are resolved later. */
export function parseUserSpec(user: string | undefined, image: string): UserSpec {
  if (user === undefined || user === '') return { user: { id: 0 } };
  const parts = user.split(':');
  const [u = '', g] = parts;
  const bad = (why: string): InvalidArgumentError =>
    new InvalidArgumentError('user', `image ${image}: user ${JSON.stringify(user)}: ${why}`);
  if (parts.length > 2) throw bad('use user[:group]');
  for (const part of parts) {
    if (/^-?\d+$/.test(part) && parseId(part) === undefined)
      throw bad(`id ${part} is out of range (0 to 2147483647)`);
    if (/[\s,]/.test(part)) throw bad('names have no spaces or commas');
  }
  if (u === '') throw bad('the user part is empty');
  // "app:" is "app" to Docker (runc reads an empty group as none).
  return g === undefined || g === '' ? { user: idOrName(u) } : { user: idOrName(u), group: idOrName(g) };
}

/** True when the spec can be resolved without reading the image (ids only, and HOME given). */
export function needsUserFiles(spec: UserSpec, homeSet: boolean): boolean {
  return !('id' in spec.user && spec.group && 'id' in spec.group && homeSet);
}

/**
 * Resolves a user against the image's passwd and group, the way runc's GetExecUser does for Docker:
 * a numeric uid need not be listed (gid 0, HOME "/"); a name must be; an explicit group replaces the
 * primary gid and leaves out supplementary groups.
 */
export function resolveUser(spec: UserSpec, files: UserFiles, image: string): ResolvedUser {
  const users = parsePasswd(files.passwd ?? '');
  const wanted = spec.user;
  const entry =
    'id' in wanted ? users.find((u) => u.uid === wanted.id) : users.find((u) => u.name === wanted.name);
  if (!entry && 'name' in wanted) {
    throw new InvalidArgumentError(
      'user',
      `image ${image}: user ${JSON.stringify(wanted.name)} is not in the image's /etc/passwd`,
    );
  }
  const uid = entry?.uid ?? ('id' in wanted ? wanted.id : 0);
  const home = entry?.home || '/';
  const groups = parseGroup(files.group ?? '');
  const g = spec.group;
  if (g) {
    const gid = 'id' in g ? g.id : groups.find((x) => x.name === g.name)?.gid;
    if (gid === undefined) {
      throw new InvalidArgumentError(
        'user',
        `image ${image}: group ${JSON.stringify('name' in g ? g.name : '')} is not in the image's /etc/group`,
      );
    }
    return { uid, gid, additionalGids: [], home };
  }
  const gid = entry?.gid ?? 0;
  const additional = entry
    ? groups.filter((x) => x.members.includes(entry.name) && x.gid !== gid).map((x) => x.gid)
    : [];
  return { uid, gid, additionalGids: [...new Set(additional)], home };
}
