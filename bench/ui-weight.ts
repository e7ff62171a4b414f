// The portal's page weight (issue #14): bytes transferred for the first view (the Functions list), as
// headless chromium counts them (headers and compressed bodies), with the API answered by a stub on
// loopback. Needs the build (npm run build) and Debian's chromium. Usage: node --import tsx bench/ui-weight.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../src/log.js';
import { guarded } from '../src/http/index.js';
import { loadAssets } from '../src/ui/assets.js';
import { createPortal } from '../src/ui/index.js';
import { authPrompt, launchBrowser } from '../test/helpers/browser.js';
import type { BenchResult } from './stats.js';

const FUNCTIONS = ['figlet', 'nodeinfo', 'env'].map((name) => ({
  name,
  namespace: 'openfaas-fn',
  image: `ghcr.io/openfaas/${name}:latest`,
  invocationCount: 42,
  replicas: 1,
  availableReplicas: 1,
  createdAt: new Date().toISOString(),
  usage: { totalMemoryBytes: 4_200_000 },
}));

export async function benchUiWeight(): Promise<BenchResult[]> {
  const assets = await loadAssets();
  if (!assets) throw new Error('dist/bundle/ui is missing: run `npm run build` first');
  const log = createLogger('bench ui-weight');
  const portal = createPortal({
    credentials: { user: 'admin', password: 'bench' },
    log,
    asyncEnabled: true,
    prometheusUrl: undefined,
    defaultNamespace: 'openfaas-fn',
    assets: async () => assets,
  });
  const stub: Record<string, unknown> = {
    '/system/namespaces': ['openfaas-fn'],
    '/system/functions': FUNCTIONS,
  };
  const server = createServer(
    guarded(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://bench');
      if (portal.owns(url.pathname)) return portal.serve(req, res, url);
      const body = stub[url.pathname];
      res.writeHead(body ? 200 : 404, { 'Content-Type': 'application/json' }).end(JSON.stringify(body ?? {}));
    }, log),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const chrome = await launchBrowser();
  try {
    const page = await chrome.browser.newPage();
    const prompt = await authPrompt(page);
    prompt.credentials = { username: 'admin', password: 'bench' };
    const cdp = await page.createCDPSession();
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const urls = new Map<string, string>();
    const bytes = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
    cdp.on('Network.loadingFinished', (e) => bytes.set(e.requestId, e.encodedDataLength));
    await page.goto(`${base}/ui/`, { waitUntil: 'networkidle0' });
    await page.waitForSelector('tr[data-function="figlet"]', { timeout: 30_000 });
    const rows = [...bytes].map(([id, n]) => ({ path: new URL(urls.get(id) ?? base).pathname, n }));
    const total = rows.reduce((a, r) => a + r.n, 0);
    const sum = (p: (path: string) => boolean) => rows.filter((r) => p(r.path)).reduce((a, r) => a + r.n, 0);
    const staticBytes = sum((p) => p === '/ui/' || p.startsWith('/ui/app.'));
    const raw = [...assets.values()].reduce((a, x) => a + x.identity.length, 0);
    return [
      {
        name: 'portal first view, transferred (HTML, JS, CSS and 4 API answers, headers included)',
        value: total,
        unit: 'bytes',
        note: `${rows.length} requests; page files ${staticBytes} B on the wire (brotli), ${raw} B uncompressed`,
      },
    ];
  } finally {
    await chrome.close();
    server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchUiWeight())
    process.stdout.write(`${r.name}: ${r.value} ${r.unit} (${r.note})\n`);
}
