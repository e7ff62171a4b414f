import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../../src/errors.js';
import { createLimitedServer, parseRequestUrl, SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { createProviderHandler, parseCpu, parseMemory } from '../../src/provider/index.js';
import { parseDeployment } from '../../src/provider/deployment.js';
import {
  DEFAULT_NS,
  FakeFunctions,
  FakeNamespaces,
  FakeResolver,
  FakeSecrets,
  quietLogger,
} from '../helpers/edge-fakes.js';
import { closeServer } from '../helpers/held-function.js';

/** In the tables, `want` is the value, or the field the InvalidArgumentError must name. */
const isInvalid = (field: string) => (e: unknown) => e instanceof InvalidArgumentError && e.field === field;

describe('validation ends in 400, never 500 (issue #17 item 8)', () => {
  it('cpu quantities', () => {
    const cases = [
      { name: 'millicores', input: '500m', want: 0.5 },
      { name: 'cores', input: '2', want: 2 },
      { name: 'the upper bound', input: '1024', want: 1024 },
      { name: 'a billion cores', input: '1000000000', want: 'limits.cpu' },
      { name: 'just above the bound', input: '1024001m', want: 'limits.cpu' },
      { name: 'zero', input: '0', want: 'limits.cpu' },
      { name: 'not a quantity', input: 'lots', want: 'limits.cpu' },
    ];
    for (const c of cases) {
      if (typeof c.want === 'number') assert.equal(parseCpu('limits.cpu', c.input), c.want, c.name);
      else assert.throws(() => parseCpu('limits.cpu', c.input), isInvalid(c.want), c.name);
    }
  });

  it('memory quantities', () => {
    const cases = [
      { name: 'Mi', input: '128Mi', want: 128 * 2 ** 20 },
      { name: 'the upper bound', input: '4Ti', want: 4 * 2 ** 40 },
      { name: 'far above the bound', input: '99999999999999Ti', want: 'limits.memory' },
      { name: 'just above the bound', input: '4097Gi', want: 'limits.memory' },
      { name: 'below 4Mi', input: '1Mi', want: 'limits.memory' },
      { name: 'not a quantity', input: '1 GB', want: 'limits.memory' },
    ];
    for (const c of cases) {
      if (typeof c.want === 'number') assert.equal(parseMemory('limits.memory', c.input), c.want, c.name);
      else assert.throws(() => parseMemory('limits.memory', c.input), isInvalid(c.want), c.name);
    }
  });

  it('deployments: env keys and resource bounds', () => {
    const base = { service: 'hello', image: 'docker.io/library/hello:1' };
    const cases = [
      { name: 'plain env', input: { envVars: { GREETING: 'hi', empty_value: '' } }, want: undefined },
      { name: 'an empty env key', input: { envVars: { '': 'x' } }, want: 'envVars' },
      { name: "'=' in an env key", input: { envVars: { 'A=B': 'x' } }, want: 'envVars' },
      { name: 'NUL in an env key', input: { envVars: { 'A\u0000': 'x' } }, want: 'envVars' },
      { name: 'NUL in an env value', input: { envVars: { A: 'x\u0000y' } }, want: 'envVars' },
      { name: 'NUL in envProcess', input: { envProcess: 'cat\u0000' }, want: 'envProcess' },
      { name: 'cpu limit', input: { limits: { cpu: '1000000000' } }, want: 'limits.cpu' },
      {
        name: 'memory request',
        input: { requests: { memory: '99999999999999Ti' } },
        want: 'requests.memory',
      },
    ];
    for (const c of cases) {
      const body = { ...base, ...c.input };
      if (c.want === undefined) assert.equal(parseDeployment(body, DEFAULT_NS).service, 'hello', c.name);
      else assert.throws(() => parseDeployment(body, DEFAULT_NS), isInvalid(c.want), c.name);
    }
  });

  it('request targets with malformed percent-escapes', () => {
    const cases = [
      {
        name: 'a plain path',
        input: '/system/function/hello?namespace=openfaas-fn',
        want: '/system/function/hello',
      },
      { name: 'good escapes', input: '/function/hello/a%20b?q=%E2%82%AC+x', want: '/function/hello/a%20b' },
      { name: "'//' is a path, not a host", input: '//function/x', want: '//function/x' },
      { name: 'a cut UTF-8 escape in the path', input: '/system/function/%E0%A4%A', want: 'path' },
      { name: "a '%' without hex digits", input: '/function/hello/%zz', want: 'path' },
      { name: 'a bad escape in a query value', input: '/system/functions?namespace=%E0', want: 'query' },
      { name: 'a bad escape in a query key', input: '/system/functions?%=1', want: 'query' },
    ];
    for (const c of cases) {
      if (c.want.startsWith('/')) assert.equal(parseRequestUrl(c.input, 'http://x').pathname, c.want, c.name);
      else assert.throws(() => parseRequestUrl(c.input, 'http://x'), isInvalid(c.want), c.name);
    }
  });

  describe('through the provider', () => {
    const functions = new FakeFunctions();
    const resolver = new FakeResolver(functions);
    const auth = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
    let server: Server | undefined;
    let close = () => {};
    let url = '';

    before(async () => {
      const handler = createProviderHandler({
        logDir: '/nonexistent',
        functions,
        namespaces: new FakeNamespaces(),
        secrets: new FakeSecrets(),
        resolver,
        credentials: { user: 'admin', password: 'secret' },
        log: quietLogger(),
      });
      close = () => handler.close();
      server = createLimitedServer((req, res) => handler.handle(req, res), SERVER_LIMIT_DEFAULTS);
      await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      close();
      await closeServer(server);
    });

    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { Authorization: auth, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, text: await res.text() };
    };

    it('answers 400 for bad input, naming it', async () => {
      const deploy = (over: Record<string, unknown>) =>
        call('POST', '/system/functions', { service: 'hello', image: 'docker.io/library/hello:1', ...over });
      const cases = [
        {
          name: 'a malformed escape in a path',
          req: () => call('GET', '/system/function/%E0%A4%A'),
          has: '%E0%A4%A',
        },
        {
          name: 'a malformed escape in a query',
          req: () => call('GET', '/system/functions?namespace=%E0'),
          has: '%E0',
        },
        {
          name: 'a malformed escape in an invocation',
          req: () => call('GET', '/function/hello/%zz'),
          has: '%zz',
        },
        { name: 'a billion cores', req: () => deploy({ limits: { cpu: '1000000000' } }), has: '1000000000' },
        { name: 'memory past 4Ti', req: () => deploy({ limits: { memory: '99999999999999Ti' } }), has: 'Ti' },
        { name: 'an empty env key', req: () => deploy({ envVars: { '': 'x' } }), has: 'envVars' },
      ];
      for (const c of cases) {
        const r = await c.req();
        assert.equal(r.status, 400, `${c.name}: ${r.text}`);
        assert.ok(r.text.includes(c.has), `${c.name}: ${r.text}`);
      }
    });

    it('does not invoke into a core namespace (issue #17 item 9)', async () => {
      // The fake resolver, like the real one, would find a running task there.
      functions.hosts.set('openfaas/gateway', '127.0.0.1');
      const r = await call('GET', '/function/gateway.openfaas/healthz');
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /openfaas/);
      assert.deepEqual(resolver.asked, [], 'the address was never looked up');
      assert.deepEqual(functions.endpointCalls, []);
    });
  });
});
