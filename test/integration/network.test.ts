import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { listNetns, netnsName } from '../../src/network/netns.js';

const WORKER = join(import.meta.dirname, '../helpers/attach-worker.ts');
const CLI = join(import.meta.dirname, '../../src/cli/main.ts');

/** Per-container nat chains the plugins made for this test network (other stacks on the host come and go). */
async function perContainerChains(network: string): Promise<string[]> {
  const out = await execa('iptables', ['-w', '-t', 'nat', '-S']);
  const chains = out.stdout
    .split('\n')
    .filter((l) => l.includes(`name: \\"${network}\\"`))
    .flatMap((l) => [/^-A (CNI-\S+)/.exec(l)?.[1], / -j (CNI-\S+)$/.exec(l)?.[1]])
    .filter((c): c is string => c !== undefined && !c.startsWith('CNI-HOSTPORT-'));
  return [...new Set(chains)].sort();
}

/** The masquerade rule the network keeps for its subnet (subnet-rules.ts). */
async function subnetMasquerade(bridge: string): Promise<string[]> {
  const out = await execa('iptables', ['-w', '-t', 'nat', '-S', 'POSTROUTING']);
  return out.stdout.split('\n').filter((l) => l.includes(`faasd masquerade ${bridge}`));
}

function runWorker(net: TestNetwork, namespace: string, ids: string[]) {
  return execa('node', ['--import', 'tsx', WORKER, JSON.stringify(net.options), namespace, ...ids], {
    reject: false,
  });
}

describe('CNI network with the real plugins', { skip: needsRoot }, () => {
  let net: TestNetwork;
  before(async () => {
    net = await testNetwork('net');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('attaches 50 containers from 4 processes with distinct IPs that everyone agrees on, and DEL leaves nothing', async () => {
    const ns = net.options.coreNamespace;
    const ids = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const groups = [0, 1, 2, 3].map((g) => ids.filter((_, i) => i % 4 === g));
    const runs = await Promise.all(groups.map((g) => runWorker(net, ns, g)));
    for (const r of runs) assert.equal(r.exitCode, 0, r.stderr);

    const records = await net.network.records(ns);
    assert.equal(records.length, 50);
    const ips = records.map((r) => r.ip);
    // No masquerade chain per container (issue #16): the subnet's one rule masquerades them all.
    assert.deepEqual(await perContainerChains(net.options.name), []);
    assert.equal((await subnetMasquerade(net.options.bridge)).length, 1);
    assert.equal(new Set(ips).size, 50);

    // The addresses were reserved in our journal and given by `static`: host-local allocated none.
    const hostLocalDir = join(net.options.ipamDataDir, net.options.name);
    const allocated = (await readdir(hostLocalDir).catch(() => [])).filter((f) =>
      /^\d+\.\d+\.\d+\.\d+$/.test(f),
    );
    assert.deepEqual(allocated, []);
    assert.ok(records.every((r) => r.ipam === 'static'));

    for (const r of records) {
      const name = netnsName(r.namespace, r.id);
      const addr = await execa('ip', ['-n', name, '-4', '-o', 'addr', 'show', 'eth0']);
      assert.match(addr.stdout, new RegExp(`inet ${r.ip?.replace(/\./g, '\\.')}/${r.prefix} `));
      const ping = await execa(
        'ip',
        ['netns', 'exec', name, 'busybox', 'ping', '-c', '1', '-W', '2', net.network.gateway],
        { reject: false },
      );
      assert.equal(ping.exitCode, 0, `${name} cannot reach ${net.network.gateway}: ${ping.stdout}`);
    }

    // `faasd net ls --json` prints exactly the store's records.
    const ls = await execa('node', [
      '--import',
      'tsx',
      CLI,
      'net',
      'ls',
      '--json',
      '--state-dir',
      net.options.stateDir,
    ]);
    assert.deepEqual(JSON.parse(ls.stdout), await net.network.records());

    await Promise.all(records.map((r) => net.network.detach(r.namespace, r.id)));
    assert.deepEqual(await net.network.records(), []);
    assert.deepEqual(
      (await listNetns()).filter((n) => n.startsWith(`${ns}-`)),
      [],
    );
    const left = (await readdir(hostLocalDir).catch(() => [])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(left, []);
    assert.deepEqual(await perContainerChains(net.options.name), []);
    const veths = await execa('ip', ['-o', 'link', 'show', 'master', net.options.bridge], { reject: false });
    assert.equal(veths.stdout.trim(), '');
  });

  it('ADD is idempotent and DEL of what is gone succeeds', async () => {
    const ns = net.options.coreNamespace;
    const first = await net.network.attach(ns, 'again');
    const second = await net.network.attach(ns, 'again');
    assert.equal((await net.network.records(ns)).length, 1);
    assert.ok(second.ip);
    assert.ok(first.ip);
    await net.network.detach(ns, 'again');
    await net.network.detach(ns, 'again');
    assert.deepEqual(await net.network.records(ns), []);
  });

  it('a process SIGKILLed in the middle of ADDs leaves nothing after reconcile', async () => {
    const ns = net.options.coreNamespace;
    const ids = Array.from({ length: 20 }, (_, i) => `k${i}`);
    const child = spawn('node', ['--import', 'tsx', WORKER, JSON.stringify(net.options), ns, ...ids], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kill once the first attachment is under way (a record exists), not after a fixed time.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('worker never started an ADD')), 20_000);
      const poll = setInterval(() => {
        void net.network.records(ns).then(
          (rs) => {
            if (rs.length > 0) {
              clearInterval(poll);
              clearTimeout(deadline);
              child.kill('SIGKILL');
              resolve();
            }
          },
          () => undefined,
        );
      }, 5);
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode ? r(null) : child.once('exit', r)));

    await net.network.reconcile(async () => false);
    assert.deepEqual(await net.network.records(ns), []);
    assert.deepEqual(
      (await listNetns()).filter((n) => n.startsWith(`${ns}-`)),
      [],
    );
    const hostLocalDir = join(net.options.ipamDataDir, net.options.name);
    const left = (await readdir(hostLocalDir).catch(() => [])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
    assert.deepEqual(left, []);
    assert.deepEqual(await perContainerChains(net.options.name), []);
  });
});
