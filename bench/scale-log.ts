// Reads the daemon's own log lines (src/log.ts: `TIME LEVEL COMPONENT: MESSAGE key=value ...`) for the
// numbers bench/scale reports beside its client-side figures.

/** The fields of the first line after `from` whose message is `msg` and whose fields include `match`. */
export function logFields(
  output: string,
  from: number,
  msg: string,
  match: Record<string, string> = {},
): Record<string, string> | undefined {
  for (const line of output.slice(from).split('\n')) {
    const at = line.indexOf(`: ${msg}`);
    if (at < 0) continue;
    const fields: Record<string, string> = {};
    for (const m of line.slice(at + msg.length + 2).matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S+)/g)) {
      const [, k, v] = m;
      if (k && v) fields[k] = v.startsWith('"') ? (JSON.parse(v) as string) : v;
    }
    if (Object.entries(match).every(([k, v]) => fields[k] === v)) return fields;
  }
  return undefined;
}

/** A number from `fields`, or undefined. */
export function num(fields: Record<string, string> | undefined, key: string): number | undefined {
  const v = fields?.[key];
  return v === undefined || Number.isNaN(Number(v)) ? undefined : Number(v);
}
