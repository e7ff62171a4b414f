import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import { cronSettingsOf, nextRun, parseGoDuration, parseSchedule } from '../../src/cron/schedule.js';
import { parseDeployment } from '../../src/provider/deployment.js';

const at = (iso: string) => new Date(iso);

describe('cron schedules (what cron-connector accepts)', () => {
  const valid: { input: string; after: string; want: string }[] = [
    { input: '*/5 * * * *', after: '2026-03-01T10:02:30Z', want: '2026-03-01T10:05:00.000Z' },
    { input: '0 9 * * MON-FRI', after: '2026-03-07T12:00:00Z', want: '2026-03-09T09:00:00.000Z' },
    { input: '30 2 1 JAN *', after: '2026-03-01T00:00:00Z', want: '2027-01-01T02:30:00.000Z' },
    { input: '5/15 * * * *', after: '2026-03-01T10:06:00Z', want: '2026-03-01T10:20:00.000Z' },
    { input: '? * * * *', after: '2026-03-01T10:06:10Z', want: '2026-03-01T10:07:00.000Z' },
    { input: '@hourly', after: '2026-03-01T10:06:00Z', want: '2026-03-01T11:00:00.000Z' },
    { input: '@daily', after: '2026-03-01T10:06:00Z', want: '2026-03-02T00:00:00.000Z' },
    { input: '@midnight', after: '2026-03-01T10:06:00Z', want: '2026-03-02T00:00:00.000Z' },
    { input: '@weekly', after: '2026-03-04T10:06:00Z', want: '2026-03-08T00:00:00.000Z' },
    { input: '@monthly', after: '2026-03-04T10:06:00Z', want: '2026-04-01T00:00:00.000Z' },
    { input: '@yearly', after: '2026-03-04T10:06:00Z', want: '2027-01-01T00:00:00.000Z' },
    { input: '@annually', after: '2026-03-04T10:06:00Z', want: '2027-01-01T00:00:00.000Z' },
    { input: '@every 30s', after: '2026-03-01T10:00:00Z', want: '2026-03-01T10:00:30.000Z' },
    { input: '@every 1h30m', after: '2026-03-01T10:00:00Z', want: '2026-03-01T11:30:00.000Z' },
    // robfig rounds a period down to whole seconds, and up to at least one.
    { input: '@every 1.5s', after: '2026-03-01T10:00:00Z', want: '2026-03-01T10:00:01.000Z' },
    { input: '@every 300ms', after: '2026-03-01T10:00:00Z', want: '2026-03-01T10:00:01.000Z' },
    {
      input: 'CRON_TZ=Europe/Berlin 0 9 * * *',
      after: '2026-03-01T00:00:00Z',
      want: '2026-03-01T08:00:00.000Z',
    },
    {
      input: 'TZ=America/New_York 0 9 * * *',
      after: '2026-03-01T00:00:00Z',
      want: '2026-03-01T14:00:00.000Z',
    },
  ];
  for (const c of valid)
    it(`runs ${JSON.stringify(c.input)} next at ${c.want}`, () => {
      assert.equal(nextRun(parseSchedule(c.input), at(c.after))?.toISOString(), c.want);
    });

  const invalid = [
    '',
    'every 5 minutes',
    '* * * *',
    '0 * * * * *', // six fields: cron-connector's parser has no seconds
    '60 * * * *',
    '* 24 * * *',
    '* * 32 * *',
    '* * * 13 *',
    '@reboot',
    '@every',
    '@every 5',
    '@every -5s',
    '@every5s',
    '@fortnightly',
    'TZ=Mars/Olympus 0 9 * * *',
  ];
  for (const input of invalid)
    it(`refuses ${JSON.stringify(input)}, naming the annotation and the value`, () => {
      assert.throws(
        () => parseSchedule(input),
        (err: unknown) =>
          err instanceof InvalidArgumentError &&
          err.field === 'annotations.schedule' &&
          err.status === 400 &&
          err.message.includes(JSON.stringify(input)),
      );
    });

  it('reads Go durations as time.ParseDuration does', () => {
    const cases: [string, number | undefined][] = [
      ['30s', 30_000],
      ['1h30m', 5_400_000],
      ['1.5h', 5_400_000],
      ['500ms', 500],
      ['2m3s', 123_000],
      ['0', 0],
      ['', undefined],
      ['5', undefined],
      ['5x', undefined],
      ['s', undefined],
    ];
    for (const [input, want] of cases) assert.equal(parseGoDuration(input), want, input);
  });

  it('takes cron settings from the annotations as cron-connector does: topic, schedule, async "true"', () => {
    assert.equal(cronSettingsOf(undefined), undefined);
    assert.equal(cronSettingsOf({ schedule: 'not even read' }), undefined);
    assert.equal(cronSettingsOf({ topic: 'other', schedule: 'bad' }), undefined);
    const sync = cronSettingsOf({ topic: 'cron-function', schedule: '@hourly' });
    assert.equal(sync?.async, false);
    assert.equal(cronSettingsOf({ topic: 'cron-function', schedule: '@hourly', async: 'true' })?.async, true);
    assert.equal(cronSettingsOf({ topic: 'cron-function', schedule: '@hourly', async: 'yes' })?.async, false);
    assert.throws(() => cronSettingsOf({ topic: 'cron-function' }), InvalidArgumentError);
  });

  it('makes a bad schedule a 400 at deploy (parseDeployment) and accepts a good one', () => {
    const body = (schedule: string) => ({
      service: 'tick',
      image: 'faasd.test/echo:1',
      annotations: { topic: 'cron-function', schedule },
    });
    assert.throws(
      () => parseDeployment(body('*/61 * * * *'), 'openfaas-fn'),
      (err: unknown) => err instanceof InvalidArgumentError && err.status === 400,
    );
    assert.equal(parseDeployment(body('*/5 * * * *'), 'openfaas-fn').annotations?.schedule, '*/5 * * * *');
  });
});
