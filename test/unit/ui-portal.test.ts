import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { guarded } from '../../src/http/index.js';
import { makeAsset } from '../../src/ui/assets.js';
import { InvocationHistory } from '../../src/ui/history.js';
import { createPortal } from '../../src/ui/index.js';
import type { PortalOverview } from '../../src/ui/portal.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

const AUTH = `Basic ${Buffer.from('admin:s3cret').toString('base64')}`;
const HTML = '<!doctype html><title>faasd</title><script type="module" src="app.js"></script>'.repeat(20);

const NOW = '2026-11-27T01:00:00.000Z';

describe('portal routes (served by the gateway at /ui/)', () => {
  let server: Server;
  let base: string;
  const clock = new ManualClock();
  const history = new InvocationHistory(clock);
  const probed: string[] = [];
  let loads = 0;
  const portal = createPortal({
    credentials: { user: 'admin', password: 's3cret' },
    log: new RecordingLogger(),
    asyncEnabled: true,
    prometheusUrl: 'http://prometheus:9090',
    defaultNamespace: 'team-fn',
    history,
    assets: async () => {
      loads++;
      return new Map([
        ['index.html', makeAsset('index.html', Buffer.from(HTML))],
        ['app.js', makeAsset('app.js', Buffer.from('console.log(1)'))],
      ]);
    },
    prometheusReady: async (url) => {
      probed.push(url);
      return false;
    },
    services: async () => [
      { name: 'nats', image: 'faasd.local/nats:latest', state: 'running', restarts: 2, startedAt: NOW },
    ],
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers, redirect: 'manual' });

  before(async () => {
    const log = new RecordingLogger();
    server = createServer(
      guarded(async (req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (!portal.owns(url.pathname)) throw new Error(`not the portal's: ${url.pathname}`);
        await portal.serve(req, res, url);
      }, log),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('redirects / and /ui to /ui/ without asking for credentials', async () => {
    for (const path of ['/', '/ui']) {
      const res = await get(path);
      assert.equal(res.status, 302);
      assert.equal(res.headers.get('location'), '/ui/');
    }
  });

  it('asks for basic auth on the page and its API, with the realm of /system', async () => {
    const page = await get('/ui/');
    assert.equal(page.status, 401);
    assert.equal(page.headers.get('www-authenticate'), 'Basic realm="faasd"');
    assert.match(await page.text(), /Sign in/);
    const wrong = await get('/ui/api/overview', {
      Authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`,
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Basic realm="faasd"');
  });

  it('logout always answers 401 without a challenge, even with the right credentials', async () => {
    const res = await get('/ui/logout', { Authorization: AUTH });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), null);
    assert.match(await res.text(), /Signed out/);
  });

  it('serves the page compressed as the browser accepts, with an ETag that answers 304', async () => {
    const br = await get('/ui/', { Authorization: AUTH, 'Accept-Encoding': 'gzip, deflate, br' });
    assert.equal(br.status, 200);
    assert.equal(br.headers.get('content-encoding'), 'br');
    assert.match(br.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    const raw = Buffer.from(await br.arrayBuffer());
    // fetch decodes the body itself: what arrived is the page, smaller on the wire than it is.
    assert.equal(raw.toString(), HTML);
    assert.ok(Number(br.headers.get('content-length')) < HTML.length);
    const etag = br.headers.get('etag') ?? '';
    const again = await get('/ui/', { Authorization: AUTH, 'If-None-Match': etag });
    assert.equal(again.status, 304);
    const js = await get('/ui/app.js', { Authorization: AUTH, 'Accept-Encoding': 'identity' });
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('content-encoding'), null);
    assert.equal(await js.text(), 'console.log(1)');
    assert.equal(loads, 1, 'assets are loaded once and kept in memory');
  });

  it('compressed forms decode to the same bytes', () => {
    const a = makeAsset('app.css', Buffer.from('body { color: red }'.repeat(50)));
    assert.deepEqual(gunzipSync(a.gzip), a.identity);
    assert.deepEqual(brotliDecompressSync(a.br), a.identity);
    assert.equal(a.type, 'text/css; charset=utf-8');
  });

  it('answers 404 for a file it does not have and 400 for a method other than GET', async () => {
    assert.equal((await get('/ui/nope.js', { Authorization: AUTH })).status, 404);
    const post = await fetch(`${base}/ui/`, { method: 'POST', headers: { Authorization: AUTH } });
    assert.equal(post.status, 400);
    assert.match(await post.text(), /POST \/ui\/: the portal answers GET only/);
  });

  it('overview: version, namespace, services and the invocation history', async () => {
    portal.observe('echo.team-fn', 200);
    portal.observe('echo.team-fn', 503);
    const res = await get('/ui/api/overview', { Authorization: AUTH });
    assert.equal(res.status, 200);
    const ov = (await res.json()) as PortalOverview;
    assert.equal(ov.namespace, 'team-fn');
    assert.equal(ov.user, 'admin');
    assert.equal(ov.async, 'on');
    assert.equal(ov.prometheus, 'down');
    assert.deepEqual(probed, ['http://prometheus:9090']);
    const series = ov.history.functions['echo.team-fn'];
    assert.equal(series?.calls.at(-1), 2);
    assert.equal(series?.errors.at(-1), 1);
    assert.equal(JSON.stringify(ov).includes('s3cret'), false);
    assert.deepEqual(ov.services, [
      { name: 'nats', image: 'faasd.local/nats:latest', state: 'running', restarts: 2, startedAt: NOW },
    ]);
  });

  it('says when the portal was not built', async () => {
    const bare = createPortal({
      credentials: { user: 'admin', password: 's3cret' },
      log: new RecordingLogger(),
      asyncEnabled: false,
      prometheusUrl: undefined,
      defaultNamespace: 'openfaas-fn',
      assets: async () => undefined,
    });
    const s = createServer(
      guarded((req, res) => bare.serve(req, res, new URL(req.url ?? '/', 'http://x')), new RecordingLogger()),
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/ui/`, {
        headers: { Authorization: AUTH },
      });
      assert.equal(res.status, 503);
      assert.match(await res.text(), /npm run build/);
    } finally {
      s.close();
    }
  });
});
