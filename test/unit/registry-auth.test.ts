import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient, parseReference } from '../../src/image/index.js';
import { RegistryAuthError } from '../../src/image/registry-errors.js';

/** A fake registry on loopback that wants a bearer token, which its token endpoint gives for basic credentials. */
function fakeRegistry(): Promise<{ server: Server; host: string; tokenRequests: string[] }> {
  const tokenRequests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/token') {
      tokenRequests.push(url.search);
      if (req.headers.authorization !== `Basic ${Buffer.from('alice:s3cret').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'tok-123' }));
      return;
    }
    if (req.headers.authorization !== 'Bearer tok-123') {
      const port = (server.address() as { port: number }).port;
      res
        .writeHead(401, {
          'www-authenticate': `Bearer realm="http://127.0.0.1:${port}/token",service="fake",scope="repository:team/fn:pull"`,
        })
        .end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      .end('{"schemaVersion":2}');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      resolve({ server, host: `127.0.0.1:${port}`, tokenRequests });
    }),
  );
}

describe('registry auth', () => {
  let reg: Awaited<ReturnType<typeof fakeRegistry>>;
  let dir: string;
  before(async () => {
    reg = await fakeRegistry();
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-auth-'));
  });
  after(async () => {
    reg.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets a bearer token with basic credentials from config.json, and reuses it', async () => {
    const config = join(dir, 'config.json');
    await writeFile(
      config,
      JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }),
    );
    const client = new RegistryClient({ dockerConfigPath: config });
    const ref = parseReference(`${reg.host}/team/fn:1`);
    const m = await client.manifest(ref, '1', 'x');
    assert.equal(m.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(m.body.toString(), '{"schemaVersion":2}');
    await client.manifest(ref, '1', 'x');
    assert.equal(reg.tokenRequests.length, 1);
    assert.match(reg.tokenRequests[0] ?? '', /service=fake/);
    assert.match(reg.tokenRequests[0] ?? '', /scope=repository%3Ateam%2Ffn%3Apull/);
  });

  it('without credentials the token endpoint refuses: a RegistryAuthError', async () => {
    const client = new RegistryClient({ dockerConfigPath: join(dir, 'absent.json') });
    await assert.rejects(
      client.manifest(parseReference(`${reg.host}/team/fn:1`), '1', 'x'),
      RegistryAuthError,
    );
  });
});
