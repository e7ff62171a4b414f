import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationMs, parseWrk, wrkArgs, type WrkResult } from '../../bench/wrk.js';

// Reports as wrk 4.1 (Debian) printed them on this machine; the socket-error line is wrk's own format.
const OK = `Running 3s test @ http://127.0.0.1:18099/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   542.86us    1.31ms  15.53ms   91.04%
    Req/Sec    28.08k    12.52k   53.26k    70.00%
  Latency Distribution
     50%  110.00us
     75%  188.00us
     90%    1.65ms
     99%    6.91ms
  167765 requests in 3.01s, 10.56MB read
Requests/sec:  55674.49
Transfer/sec:      3.50MB`;

const NON_2XX = `Running 1s test @ http://127.0.0.1:18098/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   761.02us    1.82ms  17.20ms   90.52%
    Req/Sec    19.58k    11.66k   34.62k    60.00%
  Latency Distribution
     50%   55.00us
     75%  378.00us
     90%    2.46ms
     99%    9.31ms
  19541 requests in 1.01s, 2.47MB read
  Non-2xx or 3xx responses: 9771
Requests/sec:  19315.64
Transfer/sec:      2.44MB
`;

const SOCKET_ERRORS = `Running 5s test @ http://10.203.7.5:8080/
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.20s   300.00ms   2.01s    70.00%
    Req/Sec     3.00      1.00     5.00     60.00%
  Latency Distribution
     50%    1.10s
     75%    1.40s
     90%    1.80s
     99%    2.01s
  40 requests in 5.00s, 3.00KB read
  Socket errors: connect 1, read 2, write 3, timeout 4
Requests/sec:      8.00
Transfer/sec:     614.00B
`;

describe('bench: reading wrk', () => {
  const cases: { name: string; input: string; want: Partial<WrkResult> }[] = [
    {
      name: 'a clean run',
      input: OK,
      want: { requests: 167765, seconds: 3.01, rps: 55674, p50ms: 0.11, p90ms: 1.65, p99ms: 6.91, errors: 0 },
    },
    {
      name: 'answers of 400 and more count as errors',
      input: NON_2XX,
      want: { requests: 19541, rps: 19316, p50ms: 0.055, non2xx: 9771, errors: 9771 },
    },
    {
      name: 'socket errors, latencies in seconds',
      input: SOCKET_ERRORS,
      want: {
        rps: 8,
        p50ms: 1100,
        p99ms: 2010,
        socketErrors: { connect: 1, read: 2, write: 3, timeout: 4 },
        errors: 10,
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = parseWrk(c.input);
      for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof WrkResult], v, k);
    });
  }

  it('an output without the summary is an error, not zeros', () => {
    assert.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /no summary/);
  });

  it('durations in every unit wrk prints', () => {
    for (const [input, want] of [
      ['181.00us', 0.181],
      ['1.65ms', 1.65],
      ['2.01s', 2010],
      ['1.50m', 90_000],
    ] as const)
      assert.equal(parseDurationMs(input), want, input);
    assert.throws(() => parseDurationMs('12parsecs'), /12parsecs/);
  });
});

describe('bench: running wrk', () => {
  it('every run is bounded in time, connections and threads, with latency percentiles', () => {
    assert.deepEqual(wrkArgs('http://127.0.0.1:1/', { connections: 8, threads: 2, durationS: 5 }), [
      '-t2',
      '-c8',
      '-d5s',
      '--timeout',
      '5s',
      '--latency',
      'http://127.0.0.1:1/',
    ]);
  });

  it('a script gets its arguments after --', () => {
    const args = wrkArgs('http://127.0.0.1:1/x', {
      connections: 2,
      threads: 1,
      durationS: 1,
      script: '/s.lua',
      scriptArgs: ['10'],
    });
    assert.deepEqual(args.slice(-5), ['-s', '/s.lua', 'http://127.0.0.1:1/x', '--', '10']);
  });

  it('refuses an unbounded or impossible run, naming the field', () => {
    for (const [o, field] of [
      [{ connections: 8, threads: 2, durationS: 0 }, /durationS 0/],
      [{ connections: 0, threads: 1, durationS: 1 }, /connections 0/],
      [{ connections: 2, threads: 4, durationS: 1 }, /threads 4/],
      [{ connections: 2, threads: 1, durationS: 1.5 }, /durationS 1.5/],
    ] as const)
      assert.throws(() => wrkArgs('http://127.0.0.1:1/', o), field);
  });
});
