import { Cron } from 'croner';
import { InvalidArgumentError } from '../errors.js';
import { parseGoDuration } from '../duration.js';

/**
 * The annotations OpenFaaS's cron-connector reads (openfaas/cron-connector types/cron_function.go):
 * `topic: cron-function` marks the function, `schedule` is when, and `async: "true"` sends it through
 * the queue (/async-function) instead of a sync call; any other `async` value means sync, as there.
 */
export const CRON_TOPIC = 'cron-function';
export const TOPIC_ANNOTATION = 'topic';
export const SCHEDULE_ANNOTATION = 'schedule';
export const ASYNC_ANNOTATION = 'async';

/** A parsed schedule: a fixed period (`@every 30s`) or a cron pattern (5 fields or a descriptor). */
export { parseGoDuration };

export type Schedule =
  | { kind: 'every'; text: string; everyMs: number }
  | { kind: 'cron'; text: string; pattern: string; timezone: string | undefined };

function invalid(text: string, why: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    'annotations.schedule',
    `annotations.schedule ${JSON.stringify(text)} is not a valid schedule: ${why}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * What robfig/cron v3 accepts with cron-connector's parser (minute, hour, day of month, month, day of
 * week, descriptors), parsed with croner: five fields, `@yearly` `@annually` `@monthly` `@weekly`
 * `@daily` `@midnight` `@hourly`, `@every <Go duration>` (whole seconds, at least 1 s, as robfig rounds),
 * and a leading `CRON_TZ=Zone` or `TZ=Zone`. Without a zone, times are UTC: cron-connector's container
 * has no zone data, so its local time is UTC.
 */
export function parseSchedule(text: string): Schedule {
  let rest = text.trim();
  if (rest === '') throw invalid(text, 'it is empty');
  if (rest.startsWith('@every')) {
    const arg = rest.slice('@every'.length).trim();
    const ms = parseGoDuration(arg);
    if (ms === undefined || !/^@every\s/.test(rest))
      throw invalid(text, 'use @every with a duration such as 30s, 5m or 1h30m');
    return { kind: 'every', text, everyMs: Math.max(1000, Math.floor(ms / 1000) * 1000) };
  }
  let timezone: string | undefined;
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(rest);
  if (tz?.[1]) {
    timezone = tz[1];
    rest = rest.slice(tz[0].length);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch (err) {
      throw invalid(text, `unknown time zone ${JSON.stringify(timezone)}`, err);
    }
  }
  if (rest.startsWith('@') && rest.toLowerCase() === '@reboot')
    throw invalid(text, '@reboot is not a schedule cron-connector accepts');
  if (!rest.startsWith('@') && rest.split(/\s+/).length !== 5)
    throw invalid(text, 'give five fields: minute hour day-of-month month day-of-week');
  try {
    // sloppyRanges: robfig reads "5/15" as "from 5 every 15"; croner refuses it unless asked.
    new Cron(rest, { mode: '5-part', paused: true, sloppyRanges: true, timezone: timezone ?? 'Etc/UTC' });
  } catch (err) {
    throw invalid(text, err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err), err);
  }
  return { kind: 'cron', text, pattern: rest, timezone };
}

/** The first run strictly after `after`. `@every` counts from `after`, as robfig counts from the last run. */
export function nextRun(s: Schedule, after: Date): Date | undefined {
  if (s.kind === 'every') return new Date(after.getTime() + s.everyMs);
  const c = new Cron(s.pattern, {
    mode: '5-part',
    paused: true,
    sloppyRanges: true,
    timezone: s.timezone ?? 'Etc/UTC',
  });
  return c.nextRun(after) ?? undefined;
}

export interface CronSettings {
  schedule: Schedule;
  async: boolean;
}

/**
 * A function's cron settings from its annotations; undefined when it is not a cron function.
 * Throws InvalidArgumentError for a cron function without a valid schedule: the deploy check.
 */
export function cronSettingsOf(annotations: Record<string, string> | undefined): CronSettings | undefined {
  if (annotations?.[TOPIC_ANNOTATION] !== CRON_TOPIC) return undefined;
  const text = annotations[SCHEDULE_ANNOTATION];
  if (text === undefined)
    throw new InvalidArgumentError(
      'annotations.schedule',
      `annotations.schedule is required when annotations.topic is ${JSON.stringify(CRON_TOPIC)}`,
    );
  return { schedule: parseSchedule(text), async: annotations[ASYNC_ANNOTATION] === 'true' };
}
