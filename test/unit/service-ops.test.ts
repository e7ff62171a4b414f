import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import { parseDnsServers, withNameservers } from '../../src/network/index.js';
import { resolveConfig } from '../../src/config/index.js';
import { parseLines, parseSince } from '../../src/supervisor/index.js';
import { formatUptime } from '../../src/supervisor/service-status.js';

describe('service and DNS helpers', () => {
  it('takes nameservers as IP addresses only, naming the bad one', () => {
    assert.deepEqual(parseDnsServers('--dns', '1.1.1.1, 9.9.9.9,,1.1.1.1'), ['1.1.1.1', '9.9.9.9']);
    assert.deepEqual(parseDnsServers('dns', ['2606:4700:4700::1111']), ['2606:4700:4700::1111']);
    for (const bad of ['dns.google', '1.1.1', '1.1.1.1:53', '300.1.1.1'])
      assert.throws(
        () => parseDnsServers('--dns', bad),
        (err: unknown) =>
          err instanceof InvalidArgumentError && err.field === '--dns' && err.message.includes(bad),
      );
  });

  it('replaces the host nameservers and keeps search and options', () => {
    const host = 'search corp.example\nnameserver 10.0.0.2\noptions ndots:2\n';
    assert.equal(
      withNameservers(host, ['1.1.1.1', '9.9.9.9']),
      'nameserver 1.1.1.1\nnameserver 9.9.9.9\nsearch corp.example\noptions ndots:2\n',
    );
  });

  it('reads FAASD_DNS as a comma list; none means the host resolvers', () => {
    assert.deepEqual(resolveConfig({}, { FAASD_DNS: '1.1.1.1,9.9.9.9' }, {}).dns, ['1.1.1.1', '9.9.9.9']);
    assert.deepEqual(resolveConfig({}, {}, {}).dns, []);
  });

  it('reads --since as a duration back from now or an RFC 3339 time', () => {
    const now = Date.parse('2026-03-01T10:00:00Z');
    const cases: [string, string][] = [
      ['10m', '2026-03-01T09:50:00.000Z'],
      ['1h30m', '2026-03-01T08:30:00.000Z'],
      ['2d', '2026-02-27T10:00:00.000Z'],
      ['45s', '2026-03-01T09:59:15.000Z'],
      ['2026-02-28T12:00:00Z', '2026-02-28T12:00:00.000Z'],
    ];
    for (const [input, want] of cases) assert.equal(parseSince(input, now).toISOString(), want, input);
    for (const bad of ['yesterday', '10', '10x', ''])
      assert.throws(
        () => parseSince(bad, now),
        (err: unknown) => err instanceof InvalidArgumentError && err.field === 'since',
      );
  });

  it('reads --lines as a whole number', () => {
    assert.equal(parseLines('5'), 5);
    assert.equal(parseLines('0'), 0);
    for (const bad of ['-1', '2.5', 'five', ''])
      assert.throws(
        () => parseLines(bad),
        (err: unknown) => err instanceof InvalidArgumentError && err.field === 'lines',
      );
  });

  it('shows uptime in its two largest units', () => {
    assert.equal(formatUptime(0), '0s');
    assert.equal(formatUptime(42_000), '42s');
    assert.equal(formatUptime(3_723_000), '1h2m');
    assert.equal(formatUptime(90_061_000), '1d1h');
  });
});
