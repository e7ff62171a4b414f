import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeError } from '../../src/supervisor/compose-errors.js';
import { parseCompose, parsePort } from '../../src/supervisor/compose.js';
import { startOrder } from '../../src/supervisor/order.js';
import { interpolate } from '../../src/supervisor/interpolate.js';

describe('compose parsing', () => {
  it('reads every supported field', () => {
    const [s] = parseCompose(
      `version: "3.7"
services:
  gateway:
    image: ghcr.io/openfaas/gateway:0.27.0
    environment:
      - basic_auth=true
      - functions_provider_url=http://faasd-provider:8081/
    volumes:
      - ./secrets/basic-auth-password:/run/secrets/basic-auth-password:ro
      - type: bind
        source: /var/lib/faasd/data
        target: /data
    user: "65534"
    command: ["./gateway", "--flag"]
    cap_add: [NET_ADMIN]
    ports: ["8080:8080", "127.0.0.1:9090:9090/tcp"]
    depends_on: [nats]
`,
      '/var/lib/faasd',
      {},
    );
    assert.ok(s);
    assert.equal(s.image, 'ghcr.io/openfaas/gateway:0.27.0');
    assert.deepEqual(s.environment, [
      'basic_auth=true',
      'functions_provider_url=http://faasd-provider:8081/',
    ]);
    assert.deepEqual(s.mounts, [
      {
        source: '/var/lib/faasd/secrets/basic-auth-password',
        destination: '/run/secrets/basic-auth-password',
        readonly: true,
      },
      { source: '/var/lib/faasd/data', destination: '/data', readonly: false },
    ]);
    assert.equal(s.user, '65534');
    assert.deepEqual(s.command, ['./gateway', '--flag']);
    assert.deepEqual(s.entrypoint, [], 'command replaces the image entrypoint');
    assert.deepEqual(s.capAdd, ['CAP_NET_ADMIN']);
    assert.deepEqual(s.ports, [
      { hostPort: 8080, containerPort: 8080, protocol: 'tcp' },
      { hostPort: 9090, containerPort: 9090, protocol: 'tcp', hostIP: '127.0.0.1' },
    ]);
    assert.deepEqual(s.dependsOn, ['nats']);
  });

  it('takes environment as a map', () => {
    const [s] = parseCompose(
      'services:\n  a:\n    image: x\n    environment:\n      A: 1\n      B: "two"\n      C:\n',
      '/w',
      {},
    );
    assert.deepEqual(s?.environment, ['A=1', 'B=two', 'C=']);
  });

  const bad = [
    {
      name: 'unknown service field',
      yaml: 'services:\n  a:\n    image: x\n    privileged: true\n',
      field: 'privileged',
    },
    {
      name: 'unknown top-level field',
      yaml: 'services:\n  a:\n    image: x\nnetworks: {}\n',
      field: 'networks',
    },
    {
      name: 'named volume',
      yaml: 'services:\n  a:\n    image: x\n    volumes: ["data:/data"]\n',
      field: 'volumes',
    },
    {
      name: 'unpublished port',
      yaml: 'services:\n  a:\n    image: x\n    ports: ["8080"]\n',
      field: 'ports',
    },
    { name: 'bad service name', yaml: 'services:\n  Bad_Name:\n    image: x\n', field: 'name' },
    { name: 'not yaml', yaml: 'services: [\n', field: 'yaml' },
    {
      name: 'entrypoint (faasd ignores it)',
      yaml: 'services:\n  a:\n    image: x\n    entrypoint: ["/bin/sh"]\n',
      field: 'entrypoint',
    },
    { name: 'empty command', yaml: 'services:\n  a:\n    image: x\n    command: []\n', field: 'command' },
    {
      name: 'long-syntax named volume',
      yaml: 'services:\n  a:\n    image: x\n    volumes:\n      - type: volume\n        source: data\n        target: /data\n',
      field: 'volumes.type',
    },
    {
      name: 'long-syntax volume without source',
      yaml: 'services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        target: /data\n',
      field: 'volumes.source',
    },
    {
      name: 'long-syntax read_only that is not a boolean',
      yaml: 'services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        source: ./d\n        target: /d\n        read_only: "yes"\n',
      field: 'volumes.read_only',
    },
    {
      name: 'long-syntax bind option',
      yaml: 'services:\n  a:\n    image: x\n    volumes:\n      - type: bind\n        source: ./d\n        target: /d\n        bind: { propagation: shared }\n',
      field: 'volumes.bind',
    },
    {
      name: 'relative volume target',
      yaml: 'services:\n  a:\n    image: x\n    volumes: ["./d:data"]\n',
      field: 'volumes',
    },
    { name: 'no services', yaml: 'version: "3"\n', field: 'services' },
  ];
  for (const b of bad) {
    it(`refuses a ${b.name}`, () => {
      const err = (() => {
        try {
          parseCompose(b.yaml, '/w', {});
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      assert.ok(err instanceof ComposeError, String(err));
      assert.equal(err.field, b.field);
    });
  }
});

describe('ports', () => {
  const cases = [
    { input: '8080:80', want: { hostPort: 8080, containerPort: 80, protocol: 'tcp' } },
    {
      input: '0.0.0.0:53:53/udp',
      want: { hostPort: 53, containerPort: 53, protocol: 'udp', hostIP: '0.0.0.0' },
    },
  ];
  for (const c of cases) it(c.input, () => assert.deepEqual(parsePort('s', c.input), c.want));
  it('the long syntax', () =>
    assert.deepEqual(parsePort('s', { target: 8080, published: '8081', host_ip: '127.0.0.1' }), {
      hostPort: 8081,
      containerPort: 8080,
      protocol: 'tcp',
      hostIP: '127.0.0.1',
    }));
  for (const b of [
    { target: 80 },
    { target: 80, published: 80, mode: 'host' },
    { target: {}, published: 80 },
  ])
    it(`refuses ${JSON.stringify(b)}`, () => assert.throws(() => parsePort('s', b), ComposeError));
  for (const b of ['0:80', '80:80/sctp', 'x:80:80', '1:2:3:4'])
    it(`refuses ${b}`, () => assert.throws(() => parsePort('s', b), ComposeError));
});

describe('start order', () => {
  const svc = (name: string, dependsOn: string[] = []) => ({ name, dependsOn });
  it('puts dependencies first and keeps file order otherwise', () => {
    const order = startOrder([
      svc('gateway', ['nats', 'prometheus']),
      svc('queue-worker', ['nats']),
      svc('nats'),
      svc('prometheus'),
    ]);
    assert.deepEqual(
      order.map((s) => s.name),
      ['nats', 'prometheus', 'gateway', 'queue-worker'],
    );
  });
  it('names a cycle', () => {
    assert.throws(() => startOrder([svc('a', ['b']), svc('b', ['c']), svc('c', ['a'])]), /a -> b -> c -> a/);
  });
});

describe('interpolation', () => {
  const env = { HOME: '/root', EMPTY: '' };
  const cases = [
    { input: '$$HOME', want: '$HOME' },
    { input: '$HOME/x', want: '/root/x' },
    { input: '${HOME}', want: '/root' },
    { input: '${NOPE:-d}', want: 'd' },
    { input: '${EMPTY:-d}', want: 'd' },
    { input: '${EMPTY-d}', want: '' },
    { input: '${NOPE}', want: '' },
  ];
  for (const c of cases) it(c.input, () => assert.equal(interpolate(c.input, env, 'f'), c.want));
  it('${VAR?msg} fails when unset', () =>
    assert.throws(() => interpolate('${NOPE?needed}', env, 'f'), ComposeError));
});
