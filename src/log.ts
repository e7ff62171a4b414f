/** One line per event, with context as key=value pairs (values JSON-quoted when they need it). */
export type Fields = Record<string, string | number | boolean | undefined>;

function fmt(v: string | number | boolean): string {
  const s = String(v);
  return /^[\w./:@-]+$/.test(s) ? s : JSON.stringify(s);
}

export interface Logger {
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export function createLogger(component: string, out: NodeJS.WritableStream = process.stderr): Logger {
  const write = (level: string, msg: string, fields: Fields = {}) => {
    const ctx = Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${fmt(v as string | number | boolean)}`)
      .join(' ');
    out.write(`${new Date().toISOString()} ${level} ${component}: ${msg}${ctx ? ` ${ctx}` : ''}\n`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
