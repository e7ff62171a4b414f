import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseWrk, runWrk, writeWrkScript } from '../../bench/soak-wrk.js';
import { procTable, ProcTrack, sampleProc } from '../../bench/proc-stats.js';
import { pendingOf } from '../../bench/soak-queue.js';

// wrk 4.1's report with our script's SOAK line, as printed on this machine.
const REPORT = `Running 2s test @ http://127.0.0.1:40000
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.12us  120.40us   4.20ms   90.00%
    Req/Sec    12.10k     1.02k   14.00k    70.00%
  48210 requests in 2.00s, 3.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 7
Requests/sec:  24104.93
Transfer/sec:      1.75MB
SOAK {"statuses":{"200":48203,"502":7},"p50us":290,"p99us":1210,"requests":48210}
`;

describe('soak: wrk report parsing (pure)', () => {
  it('reads requests, rate, percentiles, statuses and socket errors', () => {
    assert.deepEqual(parseWrk(REPORT), {
      requests: 48210,
      rps: 24105,
      p50ms: 0.29,
      p99ms: 1.21,
      statuses: { '200': 48203, '502': 7 },
      socket: { connect: 0, read: 2, write: 0, timeout: 5 },
    });
  });

  it('fails clearly when the script line is missing', () => {
    assert.throws(() => parseWrk('Requests/sec: 1\n'), /no SOAK line/);
  });
});

const wrkMissing = (await execa('wrk', ['--version'], { reject: false })).exitCode === 127;

describe(
  'soak: wrk with the Lua script against a loopback server',
  { skip: wrkMissing && 'wrk is not installed' },
  () => {
    let server: Server;
    let base = '';
    let dir = '';
    let posts = 0;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'soak-wrk-'));
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          if (req.method === 'POST') posts++;
          res.statusCode = req.url === '/missing' ? 404 : req.method === 'POST' ? 202 : 200;
          res.end('ok');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    });

    it('POSTs, stops after the request bound, and counts statuses', async () => {
      const script = await writeWrkScript(dir);
      const r = await runWrk({
        script,
        base,
        method: 'POST',
        path: '/async-function/x',
        connections: 4,
        seconds: 3,
        maxRequests: 200,
        timeoutSeconds: 5,
      });
      // Each of the 2 threads stops after 100 sends (wrk still waits out -d); a loopback server answers
      // thousands a second, so without the bound 3 s would bring far more.
      assert.ok(r.requests <= 200 + 4, `requests ${r.requests}`);
      assert.ok((r.statuses['202'] ?? 0) > 0);
      assert.deepEqual(Object.keys(r.statuses), ['202']);
      assert.ok(posts >= (r.statuses['202'] ?? 0));
    });

    it('paces each connection by pauseMs (the async rate cap)', async () => {
      const r = await runWrk({
        script: await writeWrkScript(dir),
        base,
        method: 'GET',
        path: '/function/x',
        connections: 2,
        seconds: 2,
        maxRequests: 1_000_000,
        timeoutSeconds: 5,
        pauseMs: 100,
      });
      // 2 connections x 10 a second x 2 s, with room for a slow start; unpaced it is thousands.
      assert.ok(r.requests > 0 && r.requests <= 50, `requests ${r.requests}`);
    });

    it('counts error statuses by code', async () => {
      const r = await runWrk({
        script: await writeWrkScript(dir),
        base,
        method: 'GET',
        path: '/missing',
        connections: 2,
        seconds: 3,
        maxRequests: 50,
        timeoutSeconds: 5,
      });
      assert.deepEqual(Object.keys(r.statuses), ['404']);
    });
  },
);

describe('soak: process figures', () => {
  it('samples this process and tracks start, peak and end', async () => {
    const s = await sampleProc(process.pid);
    assert.ok(s && s.rssMb > 0 && s.pssMb > 0 && s.fds > 0);
    assert.equal(await sampleProc(2 ** 30), undefined);
    const t = new ProcTrack('me', () => Promise.resolve(process.pid));
    await t.sample('start');
    await t.sample('during');
    await t.sample('end');
    assert.ok(t.start && t.peak && t.end);
    assert.ok((t.peak.rssMb ?? 0) >= t.start.rssMb);
    assert.match(procTable([t]), /^\| me \| [\d.]+ \/ [\d.]+ \/ [\d.]+ \(/m);
  });
});

describe('soak: queued async invocations from NATS /jsz (pure)', () => {
  it('sums pending and unacknowledged messages of every consumer', () => {
    const jsz = {
      streams: 1,
      account_details: [
        {
          stream_detail: [
            {
              state: { messages: 40 },
              consumer_detail: [
                { name: 'a', num_pending: 30, num_ack_pending: 4, num_redelivered: 9 },
                { name: 'b', num_pending: 1, num_ack_pending: 0 },
              ],
            },
          ],
        },
      ],
    };
    assert.equal(pendingOf(jsz), 35);
    assert.equal(pendingOf({ account_details: [] }), 0);
  });
});
