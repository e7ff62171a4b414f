/** Pure parsers for an image's /etc/passwd and /etc/group (the formats of passwd(5) and group(5)). */

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Largest id runc accepts (libcontainer/user: ids are int32 there). */
export const MAX_ID = 2 ** 31 - 1;

/** A decimal id in range, or undefined for anything else ("", "-1", "1e3", "0x10"). */
export function parseId(s: string): number | undefined {
  if (!/^\d{1,10}$/.test(s)) return undefined;
  const n = Number(s);
  return n <= MAX_ID ? n : undefined;
}

/** Lines worth reading: not empty, not a comment, not a NIS `+`/`-` include. */
function records(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) => l.split(':'));
}

/** Entries in file order; malformed lines (a non-numeric uid or gid) are skipped, as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const [name = '', , uid = '', gid = '', , home = ''] of records(text)) {
    const u = parseId(uid);
    const g = parseId(gid);
    if (name === '' || u === undefined || g === undefined) continue;
    out.push({ name, uid: u, gid: g, home });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const [name = '', , gid = '', list = ''] of records(text)) {
    const g = parseId(gid);
    if (name === '' || g === undefined) continue;
    const members = list
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name, gid: g, members });
  }
  return out;
}
