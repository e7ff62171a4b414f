import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CniPluginError, CniPluginNotFoundError, CniTimeoutError } from '../../src/network/cni-errors.js';
import { CniRunner, pluginConfig, pluginEnv, type NetworkList } from '../../src/network/cni.js';
import { containerAddress } from '../../src/network/cni-result.js';

const FAKES = join(import.meta.dirname, '../fixtures/cni');
const att = { containerId: 'openfaas-gateway', netns: '/var/run/netns/openfaas-gateway', ifname: 'eth0' };

describe('CNI plugin environment and config (pure)', () => {
  it('sets the spec parameters', () => {
    const env = pluginEnv('ADD', att, ['/a', '/b']);
    assert.equal(env.CNI_COMMAND, 'ADD');
    assert.equal(env.CNI_CONTAINERID, 'openfaas-gateway');
    assert.equal(env.CNI_NETNS, att.netns);
    assert.equal(env.CNI_IFNAME, 'eth0');
    assert.equal(env.CNI_PATH, '/a:/b');
    assert.equal(pluginEnv('VERSION', undefined, ['/a']).CNI_CONTAINERID, undefined);
  });

  it('gives a plugin only the runtimeConfig its capabilities ask for, and the list name and version', () => {
    const list: NetworkList = { cniVersion: '1.0.0', name: 'net', plugins: [] };
    const rc = { portMappings: [{ hostPort: 1, containerPort: 2, protocol: 'tcp' }], bandwidth: {} };
    const portmap = pluginConfig(list, { type: 'portmap', capabilities: { portMappings: true } }, rc, {
      x: 1,
    });
    assert.deepEqual(portmap.runtimeConfig, { portMappings: rc.portMappings });
    assert.deepEqual(portmap.prevResult, { x: 1 });
    assert.equal(portmap.name, 'net');
    assert.equal(portmap.cniVersion, '1.0.0');
    const bridge = pluginConfig(list, { type: 'bridge' }, rc, undefined);
    assert.equal('runtimeConfig' in bridge, false);
    assert.equal('prevResult' in bridge, false);
  });
});

describe('CNI results', () => {
  const cases = [
    {
      name: 'spec 0.4.0',
      input: {
        cniVersion: '0.4.0',
        interfaces: [{ name: 'br' }, { name: 'eth0', mac: 'm1', sandbox: '/x' }],
        ips: [{ version: '4', address: '10.62.0.5/16', gateway: '10.62.0.1', interface: 1 }],
      },
      want: {
        cidr: '10.62.0.5/16',
        ip: '10.62.0.5',
        prefix: 16,
        gateway: '10.62.0.1',
        mac: 'm1',
        ifname: 'eth0',
      },
    },
    {
      name: 'spec 1.0.0 with IPv6 first',
      input: {
        cniVersion: '1.0.0',
        interfaces: [{ name: 'eth0', mac: 'm2', sandbox: '/x' }],
        ips: [
          { address: 'fd00::5/64', interface: 0 },
          { address: '10.1.2.3/24', gateway: '10.1.2.1', interface: 0 },
        ],
      },
      want: {
        cidr: '10.1.2.3/24',
        ip: '10.1.2.3',
        prefix: 24,
        gateway: '10.1.2.1',
        mac: 'm2',
        ifname: 'eth0',
      },
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(containerAddress(c.input), c.want));
  it('a result without a container address is an error', () => {
    assert.throws(() =>
      containerAddress({ ips: [{ address: '10.0.0.1/24', interface: 0 }], interfaces: [{ name: 'br' }] }),
    );
  });
});

describe('CNI runner with fake plugins on CNI_PATH', () => {
  let dir: string;
  let log: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-cni-'));
    log = join(dir, 'calls.log');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const list = (version: string, extra: Record<string, unknown> = {}): NetworkList => ({
    cniVersion: version,
    name: 'fake-net',
    plugins: [
      { type: 'fake-bridge', fakeLog: log, ...extra },
      { type: 'fake-chain', fakeLog: log, capabilities: { portMappings: true } },
    ],
  });

  for (const version of ['0.4.0', '1.0.0']) {
    it(`chains ADD with prevResult and parses a ${version} result`, async () => {
      await rm(log, { force: true });
      const runner = new CniRunner(['/nonexistent', FAKES]);
      const result = await runner.add(list(version), att, { portMappings: [] });
      const addr = containerAddress(result);
      assert.equal(addr.ip, version === '0.4.0' ? '10.62.0.5' : '10.62.0.6');
      assert.equal(addr.gateway, '10.62.0.1');
      const calls = (await readFile(log, 'utf8')).trim().split('\n');
      assert.deepEqual(calls, [
        'fake-bridge ADD openfaas-gateway eth0 noprev',
        'fake-chain ADD openfaas-gateway eth0 prev rc',
      ]);
    });
  }

  it('DELs in reverse order with the stored result', async () => {
    await rm(log, { force: true });
    await new CniRunner([FAKES]).del(list('1.0.0'), att, {}, { cniVersion: '1.0.0', ips: [] });
    assert.deepEqual((await readFile(log, 'utf8')).trim().split('\n'), [
      'fake-chain DEL openfaas-gateway eth0 prev norc',
      'fake-bridge DEL openfaas-gateway eth0 prev',
    ]);
  });

  it('maps a plugin error object to CniPluginError with code, msg and details', async () => {
    const err = await new CniRunner([FAKES])
      .add(list('1.0.0', { fakeFail: 'ADD' }), att)
      .catch((e: unknown) => e);
    assert.ok(err instanceof CniPluginError);
    assert.equal(err.plugin, 'fake-bridge');
    assert.equal(err.command, 'ADD');
    assert.equal(err.code, 11);
    assert.equal(err.msg, 'fake failure');
    assert.equal(err.details, 'asked to fail');
  });

  it('asks every plugin on DEL even when one fails, then reports the failure', async () => {
    await rm(log, { force: true });
    const err = await new CniRunner([FAKES])
      .del(list('1.0.0', { fakeFail: 'DEL' }), att)
      .catch((e: unknown) => e);
    assert.ok(err instanceof CniPluginError);
    assert.equal((await readFile(log, 'utf8')).trim().split('\n').length, 2);
  });

  it('says which plugin is missing and where it looked', async () => {
    const err = await new CniRunner(['/nonexistent']).version('bridge').catch((e: unknown) => e);
    assert.ok(err instanceof CniPluginNotFoundError);
    assert.deepEqual(err.searched, ['/nonexistent']);
  });

  it('times a hung plugin out', async () => {
    const err = await new CniRunner([FAKES], 300).exec('fake-hang', 'ADD', att, {}).catch((e: unknown) => e);
    assert.ok(err instanceof CniTimeoutError);
  });

  it('answers VERSION', async () => {
    assert.deepEqual((await new CniRunner([FAKES]).version('fake-bridge')).supportedVersions, [
      '0.4.0',
      '1.0.0',
    ]);
  });
});
