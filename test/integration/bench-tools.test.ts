// The bench's own tools, run for real on loopback (no root needed): the compiled function server built
// with gcc as bench/ builds it, and wrk through bench/wrk.ts, including the POST script's count cap.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { compileFnServer } from '../../bench/compiled-function.js';
import { POST_SCRIPT, wrk } from '../../bench/wrk.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';

const missing: string[] = [];
for (const tool of ['gcc', 'wrk'])
  if ((await execa('which', [tool], { reject: false })).exitCode !== 0) missing.push(tool);
const skip = missing.length
  ? `skipped: ${missing.join(' and ')} not installed (scripts/setup-host.sh)`
  : false;

/** Sends `raw` on one connection; resolves with all it got once the server closes or `until` holds. */
function exchange(
  port: number,
  raw: string,
  until: (got: string) => boolean,
): Promise<{ got: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no complete answer within 10 s; got ${JSON.stringify(got)}`));
    }, 10_000);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ got, closed });
    };
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (until(got)) done(false);
    });
    sock.on('end', () => done(true));
    sock.on('error', reject);
    sock.write(raw);
  });
}

const answers = (s: string) => s.split('HTTP/1.1 200 OK').length - 1;

describe('bench: the compiled function server', { skip }, () => {
  let dir = '';
  let server: ChildProcess | undefined;
  let port = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-bench-tools-'));
    await compileFnServer(join(dir, 'fn-server'));
    port = await freePort();
    const p = spawn(join(dir, 'fn-server'), [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
    server = p;
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const early = new Promise<never>((_, reject) =>
      p.once('exit', (c) => reject(new Error(`fn-server exited ${c}: ${err}`))),
    );
    early.catch(() => undefined);
    await pollUntil('fn-server to listen', async () => (err.includes('listening') ? true : undefined), {
      early,
    });
  });

  after(async () => {
    server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('is a static binary', async () => {
    const r = await execa('ldd', [join(dir, 'fn-server')], { reject: false });
    assert.notEqual(r.exitCode, 0, `ldd found libraries: ${r.stdout}`);
  });

  it('answers GET /_/health with 200, as a watchdog does', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/_/health`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ok');
  });

  it('keeps the connection: answers pipelined GET, POST with a length, chunked POST and HEAD in order', async () => {
    const raw =
      'GET /a HTTP/1.1\r\nHost: x\r\n\r\n' +
      'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
      'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n' +
      'HEAD /d HTTP/1.1\r\nHost: x\r\n\r\n' +
      'GET /e HTTP/1.1\r\nHost: x\r\n\r\n';
    const { got, closed } = await exchange(port, raw, (g) => answers(g) === 5 && g.endsWith('ok'));
    assert.equal(closed, false, 'the server closed a keep-alive connection');
    assert.equal(answers(got), 5);
    // HEAD gets headers only: the answer after it starts right after its blank line.
    assert.match(got, /Content-Length: 2\r\n\r\nHTTP\/1\.1 200 OK/);
  });

  it('closes after answering a request that asks it to, and after an HTTP/1.0 one', async () => {
    for (const raw of ['GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 'GET / HTTP/1.0\r\n\r\n']) {
      const { got, closed } = await exchange(port, raw, () => false);
      assert.equal(closed, true, raw);
      assert.equal(answers(got), 1, raw);
      assert.match(got, /Connection: close/);
    }
  });

  it('refuses a request head larger than its buffer with 431 and closes', async () => {
    // Exactly the buffer's size (16 KiB), never ended: the server reads it all, so its close is a clean
    // FIN rather than a reset for unread bytes.
    const start = 'GET / HTTP/1.1\r\nX-Big: ';
    const raw = start + 'a'.repeat(16_384 - start.length);
    const { got, closed } = await exchange(port, raw, () => false);
    assert.equal(closed, true);
    assert.match(got, /^HTTP\/1\.1 431 /);
  });

  it('holds up under wrk: every request answered 200', async () => {
    const r = await wrk(`http://127.0.0.1:${port}/`, { connections: 8, threads: 2, durationS: 1 });
    assert.ok(r.requests > 0, 'no requests');
    assert.equal(r.errors, 0);
    assert.ok(r.p50ms > 0 && r.p99ms >= r.p50ms, `p50 ${r.p50ms} p99 ${r.p99ms}`);
  });
});

describe(
  'bench: wrk through bench/wrk.ts',
  { skip: missing.includes('wrk') ? 'skipped: wrk not installed' : false },
  () => {
    let server: Server | undefined;
    let port = 0;
    const seen = { posts: 0, bodies: new Set<string>(), status: 200 };

    before(async () => {
      port = await freePort();
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          if (req.method === 'POST') {
            seen.posts++;
            seen.bodies.add(body);
          }
          res.statusCode = seen.status;
          res.end('ok');
        });
      });
      await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    });

    after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    it('counts answers of 500 as non-2xx errors', async () => {
      seen.status = 500;
      try {
        const r = await wrk(`http://127.0.0.1:${port}/`, { connections: 2, threads: 1, durationS: 1 });
        assert.ok(r.requests > 0);
        assert.equal(r.non2xx, r.requests);
        assert.equal(r.errors, r.requests);
      } finally {
        seen.status = 200;
      }
    });

    it('the POST script sends a body and stops each thread at its cap', async () => {
      seen.posts = 0;
      seen.bodies.clear();
      const r = await wrk(`http://127.0.0.1:${port}/async-function/x`, {
        connections: 4,
        threads: 2,
        durationS: 2,
        script: POST_SCRIPT,
        scriptArgs: ['50'],
      });
      assert.equal(r.errors, 0);
      assert.equal(r.requests, 100);
      // A thread stops once it has 50 answers; requests it had sent on other connections may still land.
      assert.ok(seen.posts >= 100 && seen.posts <= 100 + 4, `server saw ${seen.posts} POSTs`);
      assert.deepEqual([...seen.bodies], ['x']);
    });

    it('a refused connection is an error, not a zero result', async () => {
      const closed = await freePort();
      await assert.rejects(
        wrk(`http://127.0.0.1:${closed}/`, { connections: 1, threads: 1, durationS: 1 }),
        /wrk .* failed/,
      );
    });
  },
);
