import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  callbackAllowed,
  parseCallbackHosts,
  postCallback,
  type Outcome,
} from '../../src/queue-worker/callback.js';
import { workerOptionsOf } from '../../src/queue-worker/worker.js';
import { resolveConfig } from '../../src/config/index.js';
import type { QueuedRequest } from '../../src/queue/index.js';
import { FakeCallbackTransport } from '../helpers/fake-callback-transport.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

const out: Outcome = { status: 200, body: Buffer.from('result'), contentType: 'text/plain', seconds: 0.25 };

function request(callbackUrl: string | undefined): QueuedRequest {
  return {
    callId: 'call-1',
    function: 'echo',
    namespace: 'openfaas-fn',
    method: 'POST',
    path: '',
    query: '',
    headers: {},
    body: '',
    ...(callbackUrl ? { callbackUrl } : {}),
    queuedAt: new Date(0).toISOString(),
  };
}

describe('parseCallbackHosts', () => {
  const cases = [
    { name: 'unset', input: undefined, want: [] },
    { name: 'empty', input: '', want: [] },
    {
      name: 'hosts and host:port, trimmed and lowercased',
      input: ' Hooks.Example.com, 10.0.0.5:8080 ,',
      want: ['hooks.example.com', '10.0.0.5:8080'],
    },
    { name: 'IPv6 in brackets', input: '[::1]:9000', want: ['[::1]:9000'] },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseCallbackHosts(c.input), c.want));

  for (const bad of [
    'http://x.example',
    'x.example/path',
    'x.example:0',
    'x.example:70000',
    'a b',
    '-x.example',
  ])
    it(`refuses ${JSON.stringify(bad)}, naming the setting and the entry`, () => {
      assert.throws(
        () => parseCallbackHosts(`ok.example,${bad}`),
        (err: unknown) =>
          err instanceof InvalidArgumentError &&
          err.field === 'FAASD_CALLBACK_HOSTS' &&
          err.status === 400 &&
          err.message.includes(JSON.stringify(bad.toLowerCase())),
      );
    });

  it('is read from FAASD_CALLBACK_HOSTS by the worker; empty by default', () => {
    const log = new RecordingLogger();
    assert.deepEqual(workerOptionsOf(resolveConfig({}, {}, {}), log)?.callbackAllowedHosts, []);
    assert.deepEqual(
      workerOptionsOf(resolveConfig({}, { FAASD_CALLBACK_HOSTS: 'a.example,b.example:81' }, {}), log)
        ?.callbackAllowedHosts,
      ['a.example', 'b.example:81'],
    );
  });
});

describe('callbackAllowed', () => {
  const cases = [
    { url: 'http://anything.example:1234/x', allowed: [], want: true },
    { url: 'http://hooks.example/x', allowed: ['hooks.example'], want: true },
    { url: 'http://HOOKS.example:9999/x', allowed: ['hooks.example'], want: true },
    { url: 'http://hooks.example/x', allowed: ['hooks.example:80'], want: true },
    { url: 'https://hooks.example/x', allowed: ['hooks.example:443'], want: true },
    { url: 'https://hooks.example/x', allowed: ['hooks.example:80'], want: false },
    { url: 'http://hooks.example:8080/x', allowed: ['hooks.example:80'], want: false },
    { url: 'http://other.example/x', allowed: ['hooks.example'], want: false },
    { url: 'http://hooks.example.evil.example/x', allowed: ['hooks.example'], want: false },
    { url: 'http://user:pw@169.254.169.254/latest', allowed: ['hooks.example'], want: false },
    { url: 'http://[::1]:9000/x', allowed: ['[::1]:9000'], want: true },
  ];
  for (const c of cases)
    it(`${c.url} with [${c.allowed.join(', ')}] -> ${c.want}`, () =>
      assert.equal(callbackAllowed(new URL(c.url), c.allowed), c.want));
});

describe('postCallback', () => {
  const noWait = () => Promise.resolve();

  it('posts the result with its headers to an allowed host', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([200]);
    await postCallback(
      { allowedHosts: ['hooks.example'], log, transport, sleep: noWait },
      request('http://hooks.example/cb'),
      out,
    );
    assert.equal(transport.posts.length, 1);
    assert.equal(transport.posts[0]?.url, 'http://hooks.example/cb');
    assert.equal(transport.posts[0]?.body, 'result');
    assert.equal(transport.posts[0]?.headers['X-Call-Id'], 'call-1');
    assert.equal(transport.posts[0]?.headers['X-Function-Status'], '200');
    assert.deepEqual(log.lines, []);
  });

  it('refuses a host not in the list: nothing sent, one line with the call id and host', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([]);
    const secretUrl = 'http://user:s3cret@10.1.2.3:8080/cb?token=t0ken';
    await postCallback(
      { allowedHosts: ['hooks.example'], log, transport, sleep: noWait },
      request(secretUrl),
      out,
    );
    assert.equal(transport.posts.length, 0);
    assert.deepEqual(log.lines, [
      {
        level: 'warn',
        msg: 'callback refused: host not in FAASD_CALLBACK_HOSTS',
        fields: { call_id: 'call-1', host: '10.1.2.3:8080' },
      },
    ]);
    assert.ok(!JSON.stringify(log.lines).includes('s3cret') && !JSON.stringify(log.lines).includes('t0ken'));
  });

  it('takes a 3xx as the answer: one POST, no retry, logged', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([302]);
    await postCallback(
      { allowedHosts: [], log, transport, sleep: noWait },
      request('http://hooks.example/cb'),
      out,
    );
    assert.equal(transport.posts.length, 1);
    assert.deepEqual(log.lines, [
      {
        level: 'warn',
        msg: 'callback answered a redirect; not followed',
        fields: { call_id: 'call-1', host: 'hooks.example', status: 302 },
      },
    ]);
  });

  it('retries a 5xx or an unreachable receiver, three attempts in all, then gives up (logged)', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([503, 'unreachable', 500]);
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    };
    await postCallback({ allowedHosts: [], log, transport, sleep }, request('http://hooks.example/cb'), out);
    assert.equal(transport.posts.length, 3);
    assert.equal(waits.length, 2);
    assert.deepEqual(
      log.lines.map((l) => `${l.level} ${l.msg} ${String(l.fields.attempt ?? l.fields.attempts)}`),
      [
        'warn callback answered an error 1',
        'warn callback failed 2',
        'warn callback answered an error 3',
        'error callback given up 3',
      ],
    );
  });

  it('a 4xx is an answer too: no retry, nothing logged', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([404]);
    await postCallback(
      { allowedHosts: [], log, transport, sleep: noWait },
      request('http://hooks.example/cb'),
      out,
    );
    assert.equal(transport.posts.length, 1);
    assert.deepEqual(log.lines, []);
  });

  it('sends nothing without a callback URL, and refuses a non-http one', async () => {
    const log = new RecordingLogger();
    const transport = new FakeCallbackTransport([]);
    await postCallback({ allowedHosts: [], log, transport, sleep: noWait }, request(undefined), out);
    await postCallback(
      { allowedHosts: [], log, transport, sleep: noWait },
      request('file:///etc/passwd'),
      out,
    );
    assert.equal(transport.posts.length, 0);
    assert.deepEqual(
      log.lines.map((l) => l.msg),
      ['callback refused: not an http(s) URL'],
    );
  });
});
