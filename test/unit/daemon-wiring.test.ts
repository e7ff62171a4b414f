import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig, urlSetting } from '../../src/config/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { gatewayAddresses, providerAddresses } from '../../src/daemon/addresses.js';
import { gatewayOptionsOf } from '../../src/gateway/index.js';
import { workerOptionsOf } from '../../src/queue-worker/index.js';
import { adoptable, specHash, SPEC_LABEL } from '../../src/supervisor/adopt.js';
import type { ServiceSpec } from '../../src/supervisor/compose.js';
import type { ContainerRecord } from '../../src/containerd/index.js';
import { renderHosts } from '../../src/network/hosts-file.js';
import type { AttachmentRecord } from '../../src/network/index.js';
import { RecordingLogger } from '../helpers/recording-logger.js';

const BRIDGE = '10.62.0.1';

describe('the daemon listens where functions and clients look', () => {
  const cases = [
    {
      name: 'the default: every address on 8080 covers gateway:8080',
      input: ['0.0.0.0', 8080],
      want: [{ host: '0.0.0.0', port: 8080 }],
    },
    {
      name: 'loopback only: the bridge gets its own 8080',
      input: ['127.0.0.1', 8080],
      want: [
        { host: '127.0.0.1', port: 8080 },
        { host: BRIDGE, port: 8080 },
      ],
    },
    {
      name: 'every address on another port: the bridge still on 8080',
      input: ['0.0.0.0', 9000],
      want: [
        { host: '0.0.0.0', port: 9000 },
        { host: BRIDGE, port: 8080 },
      ],
    },
  ] as const;
  for (const c of cases)
    it(c.name, () => assert.deepEqual(gatewayAddresses(c.input[0], c.input[1], BRIDGE), c.want));

  it('the provider: loopback on its port, faasd-provider:8081 on the bridge', () => {
    assert.deepEqual(providerAddresses(18081, BRIDGE), [
      { host: '127.0.0.1', port: 18081 },
      { host: BRIDGE, port: 8081 },
    ]);
  });
});

describe('one configuration for every daemon', () => {
  it('the gateway and worker settings come from the environment as they did', () => {
    const cfg = resolveConfig(
      {},
      {
        FAASD_GATEWAY_HOST: '127.0.0.1',
        FAASD_GATEWAY_PORT: '9999',
        FAASD_NATS_URL: 'nats://10.0.0.5:4222',
        FAASD_PROMETHEUS_URL: 'off',
        FAASD_MAX_INFLIGHT: '2',
        FAASD_ACK_WAIT_MS: '3000',
        FAASD_CALLBACK_HOSTS: 'a.example, b.example:81',
      },
      {},
    );
    const gw = gatewayOptionsOf(cfg);
    assert.equal(gw.host, '127.0.0.1');
    assert.equal(gw.port, 9999);
    assert.equal(gw.natsUrl, 'nats://10.0.0.5:4222');
    assert.equal(gw.prometheusUrl, undefined);
    assert.equal(gw.providerUrl, 'http://faasd-provider:8081');
    const w = workerOptionsOf(cfg, new RecordingLogger());
    assert.equal(w?.maxInflight, 2);
    assert.equal(w?.ackWaitMs, 3000);
    assert.equal(w?.invokeUrl, 'http://gateway:8080');
    assert.deepEqual(w?.callbackAllowedHosts, ['a.example', 'b.example:81']);
  });

  it('FAASD_NATS_URL=off: no worker', () => {
    assert.equal(
      workerOptionsOf(resolveConfig({}, { FAASD_NATS_URL: 'off' }, {}), new RecordingLogger()),
      undefined,
    );
  });

  const refused = [
    { name: 'a port that is not a number', env: { FAASD_GATEWAY_PORT: 'eighty' }, field: 'gatewayPort' },
    { name: 'no invocations at once', env: { FAASD_MAX_INFLIGHT: '0' }, field: 'maxInflight' },
    { name: 'a negative grace', env: { FAASD_STOP_GRACE_MS: '-1' }, field: 'stopGraceMs' },
  ];
  for (const r of refused)
    it(`refuses ${r.name}, naming the setting`, () => {
      assert.throws(
        () => resolveConfig({}, r.env, {}),
        (e: unknown) => e instanceof InvalidArgumentError && e.field === r.field,
      );
    });

  it('urlSetting: empty takes the fallback, off is none, a trailing slash goes', () => {
    assert.equal(urlSetting('', 'nats://nats:4222'), 'nats://nats:4222');
    assert.equal(urlSetting('off', 'nats://nats:4222'), undefined);
    assert.equal(urlSetting('http://p:9090/', undefined), 'http://p:9090');
  });
});

const spec = (over: Partial<ServiceSpec> = {}): ServiceSpec => ({
  name: 'nats',
  image: 'faasd.local/nats:latest',
  environment: [],
  mounts: [],
  user: undefined,
  command: ['/usr/sbin/nats-server', '-js'],
  entrypoint: [],
  capAdd: [],
  ports: [],
  dependsOn: [],
  ...over,
});

const container = (labels: Record<string, string>, id = 'nats'): ContainerRecord => ({
  id,
  labels,
  image: 'faasd.local/nats:latest',
  runtime: null,
  spec: null,
  snapshotter: 'overlayfs',
  snapshotKey: id,
});

describe('adopting core containers after a crash', () => {
  const s = spec();
  const mine = container({ [SPEC_LABEL]: specHash(s) });
  const cases = [
    { name: 'same spec, running, attached', c: mine, spec: s, task: 'RUNNING', ip: '10.62.0.2', want: true },
    {
      name: 'a changed command',
      c: mine,
      spec: spec({ command: ['/x'] }),
      task: 'RUNNING',
      ip: '10.62.0.2',
      want: false,
    },
    {
      name: 'a changed image',
      c: mine,
      spec: spec({ image: 'faasd.local/nats:2' }),
      task: 'RUNNING',
      ip: '10.62.0.2',
      want: false,
    },
    { name: 'a stopped task', c: mine, spec: s, task: 'STOPPED', ip: '10.62.0.2', want: false },
    { name: 'no network attachment', c: mine, spec: s, task: 'RUNNING', ip: undefined, want: false },
    {
      name: 'no spec label (an older version)',
      c: container({}),
      spec: s,
      task: 'RUNNING',
      ip: '10.62.0.2',
      want: false,
    },
    {
      name: 'a service the file no longer has',
      c: mine,
      spec: undefined,
      task: 'RUNNING',
      ip: '10.62.0.2',
      want: false,
    },
  ];
  for (const c of cases) it(c.name, () => assert.equal(adoptable(c.c, c.spec, c.task, c.ip), c.want));

  it('the hash ignores depends_on (order only)', () => {
    assert.equal(specHash(spec({ dependsOn: ['x'] })), specHash(spec()));
  });
});

describe('the hosts file names gateway', () => {
  const record = (id: string, ip: string): AttachmentRecord => ({
    namespace: 'openfaas',
    id,
    netns: `/var/run/netns/openfaas--${id}`,
    containerId: `openfaas--${id}`,
    ifname: 'eth0',
    state: 'attached',
    ip,
    createdAt: new Date(0).toISOString(),
  });

  it('at the bridge (the daemon listens there) when no core service is named gateway', () => {
    const hosts = renderHosts([record('nats', '10.62.0.2')], 'openfaas', BRIDGE);
    assert.match(hosts, /^10\.62\.0\.1\tgateway$/m);
    assert.match(hosts, /^10\.62\.0\.1\tfaasd-provider$/m);
  });

  it('at the gateway container when the compose file runs one (the upstream gateway)', () => {
    const hosts = renderHosts([record('gateway', '10.62.0.9')], 'openfaas', BRIDGE);
    assert.deepEqual(
      hosts.split('\n').filter((l) => l.endsWith('\tgateway')),
      ['10.62.0.9\tgateway'],
    );
  });
});
