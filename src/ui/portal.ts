import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMIT, VERSION } from '../config/index.js';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../errors.js';
import type { Logger } from '../log.js';
import { AUTH_REALM, UnauthorizedError, checkBasicAuth, type Credentials } from '../http/index.js';
import { loadAssets, type Asset, type AssetSet } from './assets.js';
import { InvocationHistory, type HistorySnapshot } from './history.js';

export interface PortalDeps {
  credentials: Credentials;
  log: Logger;
  /** Whether /async-function has a queue behind it. */
  asyncEnabled: boolean;
  /** Prometheus' base URL; a function when it is looked up per use (the daemon: its container's address). */
  prometheusUrl: string | undefined | (() => Promise<string | undefined>);
  /** The gateway's default function namespace, which the page starts in. */
  defaultNamespace: string;
  history?: InvocationHistory;
  assets?: () => Promise<AssetSet | undefined>;
  /** Answers whether Prometheus is ready; the default asks its /-/ready (one second at most). */
  prometheusReady?: (url: string) => Promise<boolean>;
  /** The compose services' state (the daemon knows them; a gateway in a container does not). */
  services?: () => Promise<CoreService[]>;
}

/** One compose service as the System view shows it. */
export interface CoreService {
  name: string;
  image: string;
  /** running, stopped, created, absent, ... */
  state: string;
  restarts: number;
  /** RFC 3339, while it runs. */
  startedAt?: string;
}

/** What GET /ui/api/overview answers: what the charts and the System view need beyond the API. */
export interface PortalOverview {
  version: string;
  commit: string;
  user: string;
  namespace: string;
  startedAt: string;
  async: 'on' | 'off';
  prometheus: 'up' | 'down' | 'off';
  history: HistorySnapshot;
  /** Absent when this gateway cannot see them (it runs in a container of a split deployment). */
  services?: CoreService[];
}

export interface Portal {
  owns(path: string): boolean;
  serve(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
  /** One invocation through the gateway, for the charts. */
  observe(fn: string, code: number): void;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

// Shown when the browser's prompt is cancelled, and after sign-out: a way back in.
const SIGNED_OUT =
  '<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width">' +
  '<title>Signed out · faasd</title><main><h1>Signed out</h1>' +
  '<p>The faasd portal needs the gateway\'s user and password.</p><p><a href="/ui/">Sign in</a></p></main></html>';

async function prometheusReadyByHttp(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

function encodingFor(accept: string | undefined): 'br' | 'gzip' | 'identity' {
  const tokens = (accept ?? '').split(',').map((t) => t.trim().split(';')[0]?.trim());
  return tokens.includes('br') ? 'br' : tokens.includes('gzip') ? 'gzip' : 'identity';
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    'Content-Type': asset.type,
    ETag: asset.etag,
    // Revalidated on every load (a 304 costs a few bytes), so a new build is seen at once.
    'Cache-Control': 'no-cache',
    Vary: 'Accept-Encoding',
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const enc = encodingFor(req.headers['accept-encoding']);
  const body = asset[enc];
  if (enc !== 'identity') headers['Content-Encoding'] = enc;
  headers['Content-Length'] = String(body.length);
  res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
}

/** The portal (issue #14): a page app under /ui/ behind the gateway's basic auth, served from memory. */
export function createPortal(d: PortalDeps): Portal {
  const history = d.history ?? new InvocationHistory();
  const startedAt = new Date().toISOString();
  let assets: Promise<AssetSet | undefined> | undefined;
  const load = d.assets ?? (() => loadAssets());
  const ready = d.prometheusReady ?? prometheusReadyByHttp;

  const overview = async (): Promise<PortalOverview> => ({
    version: VERSION,
    commit: COMMIT,
    user: d.credentials.user,
    namespace: d.defaultNamespace,
    startedAt,
    async: d.asyncEnabled ? 'on' : 'off',
    prometheus: await prometheusState(),
    history: history.snapshot(),
    ...(d.services ? { services: await d.services().catch(() => []) } : {}),
  });

  async function prometheusState(): Promise<'up' | 'down' | 'off'> {
    const url = typeof d.prometheusUrl === 'function' ? await d.prometheusUrl() : d.prometheusUrl;
    if (!url) return 'off';
    return (await ready(url)) ? 'up' : 'down';
  }

  const serve = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    if (path === '/' || path === '/ui') {
      res.writeHead(302, { Location: '/ui/' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new InvalidArgumentError('method', `${req.method} ${path}: the portal answers GET only`);
    if (path === '/ui/logout') {
      // Always refused: the browser drops the credentials it sent here, so the next load asks again.
      res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', ...SECURITY_HEADERS }).end(SIGNED_OUT);
      return;
    }
    try {
      checkBasicAuth(req.headers.authorization, d.credentials);
    } catch (err) {
      if (!(err instanceof UnauthorizedError) || path.startsWith('/ui/api/')) throw err;
      res
        .writeHead(401, {
          'Content-Type': 'text/html; charset=utf-8',
          'WWW-Authenticate': `Basic realm="${AUTH_REALM}"`,
          ...SECURITY_HEADERS,
        })
        .end(SIGNED_OUT);
      return;
    }
    if (path === '/ui/api/overview') {
      const body = JSON.stringify(await overview());
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(body);
      return;
    }
    assets ??= load().catch((err: unknown) => {
      assets = undefined;
      throw err;
    });
    const set = await assets;
    if (!set) throw new UnavailableError('the portal is not built into this faasd: run `npm run build`');
    const name = path === '/ui/' ? 'index.html' : path.slice('/ui/'.length);
    const asset = set.get(name);
    if (!asset) throw new NotFoundError('route', path);
    sendAsset(req, res, asset);
  };

  return {
    owns: (path) => path === '/' || path === '/ui' || path.startsWith('/ui/'),
    serve,
    observe: (fn, code) => history.observe(fn, code),
  };
}
