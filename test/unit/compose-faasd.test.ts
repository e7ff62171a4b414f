import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCompose } from '../../src/supervisor/index.js';
import { parseCompose } from '../../src/supervisor/compose.js';
import { archSuffix, composePath } from '../../src/supervisor/up.js';
import { processArgs } from '../../src/runtime/runtime.js';
import type { ImageConfig } from '../../src/image/index.js';

// The shape of faasd's own docker-compose.yaml: `command` is the whole command line of an image whose
// entrypoint is that same binary; long-syntax bind mounts with relative sources; numeric users.
const FAASD_COMPOSE = `version: "3.7"
services:
  nats:
    image: docker.io/library/nats-streaming:0.25.6
    user: "65534"
    command:
      - "/nats-streaming-server"
      - "-m"
      - "8222"
      - "--store=file"
      - "--dir=/nats"
    volumes:
      - type: bind
        source: ./nats
        target: /nats
  gateway:
    image: ghcr.io/openfaas/gateway:0.27.12
    volumes:
      - type: bind
        source: ./secrets/basic-auth-password
        target: /run/secrets/basic-auth-password
        read_only: true
    cap_add:
      - CAP_NET_RAW
    depends_on:
      - nats
    ports:
      - "8080:8080"
`;

const image = (entrypoint: string[] | null, cmd: string[] | null): ImageConfig => ({
  architecture: 'amd64',
  os: 'linux',
  config: { Entrypoint: entrypoint, Cmd: cmd },
  rootfs: { type: 'layers', diff_ids: [] },
});

describe("faasd's compose dialect", () => {
  const [nats, gateway] = parseCompose(FAASD_COMPOSE, '/var/lib/faasd', {});

  it('command replaces the image entrypoint and cmd (faasd sets the OCI process args to it)', () => {
    assert.ok(nats);
    // What the supervisor hands the runtime; the runtime builds the process args from it.
    const args = processArgs(image(['/nats-streaming-server'], ['-m', '8222']), {
      namespace: 'openfaas',
      id: nats.name,
      image: nats.image,
      ...(nats.entrypoint ? { entrypoint: nats.entrypoint } : {}),
      ...(nats.command ? { args: nats.command } : {}),
    });
    assert.deepEqual(args, ['/nats-streaming-server', '-m', '8222', '--store=file', '--dir=/nats']);
  });

  it('without command the image entrypoint and cmd run', () => {
    assert.ok(gateway);
    assert.equal(gateway.entrypoint, undefined);
    assert.equal(gateway.command, undefined);
    assert.deepEqual(processArgs(image(['/gateway'], ['--x']), { namespace: 'n', id: 'g', image: 'g' }), [
      '/gateway',
      '--x',
    ]);
  });

  it('the string form of command is split like a shell word list', () => {
    const [s] = parseCompose(`services:\n  a:\n    image: x\n    command: sh -c 'echo "a b"'\n`, '/w', {});
    assert.deepEqual(s?.command, ['sh', '-c', 'echo "a b"']);
    assert.deepEqual(s?.entrypoint, []);
  });

  it('reads long-syntax binds: relative sources against the folder, read_only, user, cap_add', () => {
    assert.deepEqual(nats?.mounts, [
      { source: '/var/lib/faasd/nats', destination: '/nats', readonly: false },
    ]);
    assert.equal(nats?.user, '65534');
    assert.deepEqual(gateway?.mounts, [
      {
        source: '/var/lib/faasd/secrets/basic-auth-password',
        destination: '/run/secrets/basic-auth-password',
        readonly: true,
      },
    ]);
    assert.deepEqual(gateway?.capAdd, ['CAP_NET_RAW']);
    assert.deepEqual(gateway?.dependsOn, ['nats']);
  });
});

describe('faasd up -f', () => {
  const cases = [
    { name: 'default', input: undefined, want: '/var/lib/faasd/docker-compose.yaml' },
    { name: 'a name, in the state dir (as faasd)', input: 'stack.yaml', want: '/var/lib/faasd/stack.yaml' },
    { name: 'a relative path', input: 'sub/stack.yaml', want: '/var/lib/faasd/sub/stack.yaml' },
    { name: 'an absolute path', input: '/srv/stack.yaml', want: '/srv/stack.yaml' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(composePath('/var/lib/faasd', c.input), c.want));

  it('ARCH_SUFFIX is faasd’s per-architecture image suffix', () => {
    assert.deepEqual(
      ['x64', 'arm64', 'arm'].map((a) => archSuffix(a)),
      ['', '-arm64', '-armhf'],
    );
  });

  it('loads a file: short and long relative sources resolve against its folder, ${ARCH_SUFFIX} is set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'faasd-unit-compose-'));
    try {
      await mkdir(join(dir, 'conf'));
      const file = join(dir, 'conf', 'stack.yaml');
      await writeFile(
        file,
        `services:
  a:
    image: "docker.io/openfaas/gateway:0.18.17\${ARCH_SUFFIX}"
    volumes:
      - ./data:/data
      - ../shared:/shared:ro
      - type: bind
        source: ./secrets/token
        target: /run/secrets/token
        read_only: true
`,
      );
      const [a] = await loadCompose(file);
      assert.equal(a?.image, `docker.io/openfaas/gateway:0.18.17${archSuffix()}`);
      assert.deepEqual(a?.mounts, [
        { source: join(dir, 'conf/data'), destination: '/data', readonly: false },
        { source: join(dir, 'shared'), destination: '/shared', readonly: true },
        { source: join(dir, 'conf/secrets/token'), destination: '/run/secrets/token', readonly: true },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
