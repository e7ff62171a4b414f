import type { Fields, Logger } from '../../src/log.js';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  fields: Fields;
}

/** A Logger that keeps every line, to assert on what was logged and with which context. */
export class RecordingLogger implements Logger {
  readonly lines: LogLine[] = [];

  info(msg: string, fields: Fields = {}): void {
    this.lines.push({ level: 'info', msg, fields });
  }

  warn(msg: string, fields: Fields = {}): void {
    this.lines.push({ level: 'warn', msg, fields });
  }

  error(msg: string, fields: Fields = {}): void {
    this.lines.push({ level: 'error', msg, fields });
  }

  /** Lines that carry `call_id`. */
  forCall(callId: string): LogLine[] {
    return this.lines.filter((l) => l.fields.call_id === callId);
  }
}
