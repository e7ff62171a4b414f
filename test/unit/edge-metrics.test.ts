import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLimitedServer, SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { createGatewayHandler } from '../../src/gateway/index.js';
import { HttpBackend } from '../../src/gateway/http-backend.js';
import { Metrics } from '../../src/http/index.js';
import { OVERFLOW_LABEL } from '../../src/http/metrics.js';
import { DEFAULT_NS, FakeScaler, quietLogger } from '../helpers/edge-fakes.js';
import { closeServer } from '../helpers/held-function.js';

describe('invocation metrics are bounded (issue #17 item 4)', () => {
  it('folds series past the bound into one overflow series', () => {
    const m = new Metrics(10);
    for (let i = 0; i < 100; i++) m.observe(`fn-${i}.ns`, 200, 0.01);
    assert.equal(m.size, 11);
    const text = m.render('gateway');
    assert.match(
      text,
      new RegExp(
        `gateway_function_invocation_total\\{function_name="${OVERFLOW_LABEL}",code="${OVERFLOW_LABEL}"\\} 90\\n`,
      ),
    );
    assert.doesNotMatch(text, /fn-10\./);
  });

  describe('the gateway', () => {
    let provider: Server | undefined;
    let gateway: Server | undefined;
    let close = () => {};
    let url = '';

    before(async () => {
      // Stands for the provider: the teapot function answers 418, the others 200.
      provider = createServer((req, res) => {
        req.resume();
        res.writeHead((req.url ?? '').startsWith('/function/teapot.') ? 418 : 200).end('ok\n');
      });
      await new Promise<void>((r) => provider?.listen(0, '127.0.0.1', () => r()));
      const handler = createGatewayHandler({
        backend: new HttpBackend({
          url: `http://127.0.0.1:${(provider.address() as AddressInfo).port}`,
          authorization: '',
          upstreamTimeoutMs: 10_000,
        }),
        credentials: { user: 'admin', password: 'secret' },
        scaler: new FakeScaler(new Set([`${DEFAULT_NS}/hello`, `${DEFAULT_NS}/teapot`])),
        queue: undefined,
        log: quietLogger(),
        defaultNamespace: DEFAULT_NS,
        prometheusUrl: undefined,
        asyncBodyLimit: 1024,
      });
      close = () => handler.close();
      gateway = createLimitedServer((req, res) => handler.handle(req, res), SERVER_LIMIT_DEFAULTS);
      await new Promise<void>((r) => gateway?.listen(0, '127.0.0.1', () => r()));
      url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    });
    after(async () => {
      close();
      await Promise.all([closeServer(provider), closeServer(gateway)]);
    });

    const metrics = async () => (await fetch(`${url}/metrics`)).text();

    it('makes no series for functions that do not exist', async () => {
      assert.equal((await fetch(`${url}/function/hello`)).status, 200);
      const before = await metrics();
      for (let i = 0; i < 200; i++) {
        const unknownNs = await fetch(`${url}/function/probe-card-${i}.probe-ns-${i}`);
        assert.equal(unknownNs.status, 400);
        const unknownFn = await fetch(`${url}/function/probe-${i}`);
        assert.equal(unknownFn.status, 404);
      }
      const after = await metrics();
      assert.doesNotMatch(after, /probe/);
      assert.equal(after.length, before.length, '/metrics did not grow');
    });

    it("records the function's own status code", async () => {
      assert.equal((await fetch(`${url}/function/teapot`)).status, 418);
      assert.match(
        await metrics(),
        new RegExp(
          `gateway_function_invocation_total\\{function_name="teapot.${DEFAULT_NS}",code="418"\\} 1\\n`,
        ),
      );
    });
  });
});
