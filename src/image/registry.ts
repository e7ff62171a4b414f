import type { ImageRef } from './reference.js';
import { registryHost } from './reference.js';
import { parseChallenge } from './auth-challenge.js';
import { loadCredentials, type Credentials } from './docker-config.js';
import {
  BlobInterruptedError,
  ImageNotFoundError,
  RegistryAuthError,
  RegistryResponseError,
  RegistryUnreachableError,
} from './registry-errors.js';
import { errorMessage } from '../errors.js';
import { skipBytes } from '../containerd/index.js';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryOptions {
  /** Hosts (host[:port]) spoken to over plain HTTP, besides loopback which always is. */
  insecure?: string[];
  /** Docker config.json with `auths`; absent file = anonymous. */
  dockerConfigPath?: string | undefined;
  /** Time allowed until response headers arrive. */
  timeoutMs?: number;
}

export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  /** The digest the registry names in Docker-Content-Digest, if any (verified by the caller). */
  digest: string | undefined;
}

export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/:\d+$/, '');
  return name === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(name) || name === '[::1]';
}

/** An OCI distribution client: anonymous bearer tokens, basic auth from config.json, HTTP for loopback. */
export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly insecure: Set<string>;
  private readonly timeoutMs: number;

  constructor(private readonly opts: RegistryOptions = {}) {
    this.insecure = new Set(opts.insecure ?? []);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
  }

  private baseUrl(ref: ImageRef): string {
    const host = registryHost(ref.domain);
    const scheme = isLoopbackHost(host) || this.insecure.has(host) ? 'http' : 'https';
    return `${scheme}://${host}/v2/${ref.path}`;
  }

  async manifest(ref: ImageRef, tagOrDigest: string, display: string): Promise<FetchedManifest> {
    const res = await this.request(ref, `/manifests/${tagOrDigest}`, { Accept: MANIFEST_ACCEPT }, display);
    const body = Buffer.from(await res.arrayBuffer());
    const mediaType =
      res.headers.get('content-type')?.split(';')[0]?.trim() ??
      (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ??
      '';
    return { body, mediaType, digest: res.headers.get('docker-content-digest') ?? undefined };
  }

  /** Streams a blob from `offset` on (Range request); a server that ignores Range is skipped ahead. */
  async *blob(ref: ImageRef, digest: string, offset: number): AsyncGenerator<Uint8Array> {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const res = await this.request(ref, `/blobs/${digest}`, headers, `${ref.path}@${digest}`);
    if (!res.body) return;
    const body = skipBytes(
      res.body as AsyncIterable<Uint8Array>,
      offset > 0 && res.status !== 206 ? offset : 0,
    );
    try {
      yield* body;
    } catch (err) {
      // Typed, so the puller can tell a body cut mid-way (worth resuming) from a refused request.
      const cause = (err as { cause?: unknown }).cause;
      throw new BlobInterruptedError(ref.domain, digest, errorMessage(cause ?? err), { cause: err });
    }
  }

  private async request(
    ref: ImageRef,
    path: string,
    headers: Record<string, string>,
    display: string,
  ): Promise<Response> {
    const url = this.baseUrl(ref) + path;
    const scopeKey = `${ref.domain}/${ref.path}`;
    let res = await this.send(url, { ...headers, ...this.authHeader(scopeKey) }, ref.domain);
    if (res.status === 401) {
      await res.body?.cancel();
      const header = res.headers.get('www-authenticate') ?? '';
      const auth = await this.authorize(ref, header);
      if (!auth) throw new RegistryAuthError(ref.domain, ref.path);
      this.tokens.set(scopeKey, auth);
      res = await this.send(url, { ...headers, Authorization: auth }, ref.domain);
    }
    if (res.ok) return res;
    const detail = await res.text().catch(() => '');
    if (res.status === 404) throw new ImageNotFoundError(display);
    if (res.status === 401 || res.status === 403) {
      // Docker Hub answers 401 for a repository that does not exist, as for one that is private.
      throw new RegistryAuthError(ref.domain, ref.path);
    }
    throw new RegistryResponseError(url, res.status, detail.slice(0, 200));
  }

  private authHeader(scopeKey: string): Record<string, string> {
    const token = this.tokens.get(scopeKey);
    return token ? { Authorization: token } : {};
  }

  private async send(url: string, headers: Record<string, string>, registry: string): Promise<Response> {
    const ctl = new AbortController();
    const timer = setTimeout(() => ctl.abort(), this.timeoutMs);
    try {
      return await fetch(url, { headers, signal: ctl.signal, redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      throw new RegistryUnreachableError(registry, errorMessage(cause ?? err), { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private async credentials(ref: ImageRef): Promise<Credentials | undefined> {
    if (!this.opts.dockerConfigPath) return undefined;
    return loadCredentials(this.opts.dockerConfigPath, ref.domain);
  }

  /** Answers a 401 challenge: basic credentials, or a bearer token from the realm it names. */
  private async authorize(ref: ImageRef, header: string): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(header);
    const creds = await this.credentials(ref);
    const basic = creds
      ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
      : undefined;
    if (scheme === 'basic') return basic;
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const realm = new URL(params.realm);
    if (params.service) realm.searchParams.set('service', params.service);
    realm.searchParams.set('scope', params.scope ?? `repository:${ref.path}:pull`);
    const res = await this.send(realm.toString(), basic ? { Authorization: basic } : {}, ref.domain);
    if (!res.ok) {
      await res.body?.cancel();
      throw new RegistryAuthError(ref.domain, ref.path);
    }
    const body = (await res.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    return token ? `Bearer ${token}` : undefined;
  }
}
