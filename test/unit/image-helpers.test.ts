import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { extract } from 'tar-stream';
import { parseLdd } from '../../src/image/ldd.js';
import { chainIds } from '../../src/image/chain.js';
import { hostPlatform, selectManifest, type ImageIndex } from '../../src/image/oci.js';
import { parseChallenge } from '../../src/image/auth-challenge.js';
import { loadCredentials } from '../../src/image/docker-config.js';
import { buildTar } from '../../src/image/tar-layer.js';
import { packSpecFromFlags } from '../../src/image/format.js';
import { InvalidArgumentError } from '../../src/errors.js';

describe('ldd output', () => {
  it('lists libraries and the loader, not the vdso', () => {
    const out = [
      '\tlinux-vdso.so.1 (0x00007ffd)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f)',
    ].join('\n');
    assert.deepEqual(parseLdd(out), ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']);
  });
});

describe('chain IDs', () => {
  it('follow the OCI definition', () => {
    const a = `sha256:${'a'.repeat(64)}`;
    const b = `sha256:${'b'.repeat(64)}`;
    const ids = chainIds([a, b]);
    assert.equal(ids[0], a);
    // sha256("sha256:aaa… sha256:bbb…"), computed independently with sha256sum
    assert.equal(ids[1], 'sha256:ccd722928bd92476ba1745586fed6e45a102504185ad88cd89e01ff116fd146c');
  });
});

describe('platform selection', () => {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:1',
        size: 1,
        platform: { os: 'linux', architecture: 'arm', variant: 'v6' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:2',
        size: 1,
        platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:3',
        size: 1,
        platform: { os: 'linux', architecture: 'arm64' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:4',
        size: 1,
        platform: { os: 'linux', architecture: 'amd64' },
      },
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: 'sha256:5',
        size: 1,
        platform: { os: 'windows', architecture: 'amd64' },
      },
    ],
  };
  const cases = [
    { arch: 'x64', want: 'sha256:4' },
    { arch: 'arm64', want: 'sha256:3' },
    { arch: 'arm', want: 'sha256:2' },
  ];
  for (const c of cases) {
    it(`picks ${c.want} for node arch ${c.arch}`, () => {
      assert.equal(selectManifest(index, hostPlatform(c.arch))?.digest, c.want);
    });
  }
  it('finds nothing for an absent platform', () => {
    assert.equal(selectManifest(index, hostPlatform('s390x')), undefined);
  });
});

describe('WWW-Authenticate', () => {
  it('parses a bearer challenge', () => {
    const c = parseChallenge(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    );
    assert.equal(c.scheme, 'bearer');
    assert.deepEqual(c.params, {
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/busybox:pull',
    });
  });
  it('parses basic', () => assert.equal(parseChallenge('Basic realm="Registry"').scheme, 'basic'));
});

describe('docker config.json', () => {
  it('reads auth and username/password entries, and nothing from a missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-'));
    try {
      const file = join(dir, 'config.json');
      await writeFile(
        file,
        JSON.stringify({
          auths: {
            'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
            'ghcr.io': { username: 'u', password: 'p' },
          },
        }),
      );
      assert.deepEqual(await loadCredentials(file, 'docker.io'), { username: 'hub', password: 'secret' });
      assert.deepEqual(await loadCredentials(file, 'ghcr.io'), { username: 'u', password: 'p' });
      assert.equal(await loadCredentials(file, 'quay.io'), undefined);
      assert.equal(await loadCredentials(join(dir, 'absent.json'), 'ghcr.io'), undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('tar layers', () => {
  it('adds parent directories, sorts entries, and is reproducible', async () => {
    const entries = [
      { path: '/usr/bin/tool', type: 'file' as const, mode: 0o755, content: Buffer.from('x') },
      { path: '/bin/sh', type: 'symlink' as const, mode: 0o777, linkname: 'busybox' },
    ];
    const a = await buildTar(entries);
    const b = await buildTar([...entries].reverse());
    assert.ok(a.equals(b));
    const names: string[] = [];
    const ex = extract();
    ex.on('entry', (h, s, next) => {
      names.push(`${h.type}:${h.name}`);
      s.resume();
      s.on('end', next);
    });
    await new Promise((resolve, reject) => {
      ex.on('finish', () => resolve(undefined));
      ex.on('error', reject);
      ex.end(a);
    });
    assert.deepEqual(names, [
      'directory:bin/',
      'symlink:bin/sh',
      'directory:usr/',
      'directory:usr/bin/',
      'file:usr/bin/tool',
    ]);
  });
});

describe('pack flags', () => {
  it('splits --file on the first colon', () => {
    const spec = packSpecFromFlags('x', { file: ['/etc/x:/y'], binary: '/bin/busybox', cmd: ['a', 'b'] });
    assert.deepEqual(spec.paths, [{ hostPath: '/etc/x', imagePath: '/y' }]);
    assert.deepEqual(spec.binaries, [{ hostPath: '/bin/busybox' }]);
    assert.deepEqual(spec.cmd, ['a', 'b']);
  });
  it('rejects a --file without an image path', () => {
    assert.throws(() => packSpecFromFlags('x', { file: '/etc/x' }), InvalidArgumentError);
  });
});
