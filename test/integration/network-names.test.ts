import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { pollUntil } from '../helpers/wait.js';
import { netnsName, netnsPath } from '../../src/network/netns.js';
import { type AttachmentRecord } from '../../src/network/ipam-store.js';
import type { PortMapping } from '../../src/runtime/index.js';
import { freePort } from '../helpers/registry.js';

/** The DNAT destinations portmap has for one CNI container ID on this network. */
async function dnatTargets(network: string, containerId: string): Promise<string[]> {
  const jumps = (await execa('iptables', ['-w', '-t', 'nat', '-S', 'CNI-HOSTPORT-DNAT'])).stdout.split('\n');
  const comment = `dnat name: \\"${network}\\" id: \\"${containerId}\\"`;
  const chains = jumps.filter((l) => l.includes(comment)).map((l) => / -j (\S+)$/.exec(l)?.[1] ?? '');
  const targets: string[] = [];
  for (const chain of chains) {
    const rules = (await execa('iptables', ['-w', '-t', 'nat', '-S', chain])).stdout.split('\n');
    for (const r of rules) {
      const to = / --to-destination (\S+)/.exec(r)?.[1];
      if (to) targets.push(to);
    }
  }
  return targets;
}

async function forwardRules(ip: string): Promise<string[]> {
  const rules = (await execa('iptables', ['-w', '-S', 'CNI-FORWARD'])).stdout.split('\n');
  return rules.filter((l) => l.includes(` ${ip}/32 `));
}

async function hostLocalIps(net: TestNetwork): Promise<string[]> {
  const dir = join(net.options.ipamDataDir, net.options.name);
  return (await readdir(dir).catch(() => [])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
}

/** busybox httpd inside a netns serving `body` on :8080; stop() kills it. */
async function serveIn(netns: string, body: string): Promise<{ stop(): Promise<void> }> {
  const dir = await mkdtemp('/tmp/faasd-test-www-');
  await writeFile(join(dir, 'index.html'), body);
  const proc = spawn('ip', ['netns', 'exec', netns, 'busybox', 'httpd', '-f', '-p', '8080', '-h', dir], {
    stdio: 'ignore',
  });
  return {
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGKILL');
        await new Promise((r) => proc.once('exit', r));
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function fetchText(url: string): Promise<string | undefined> {
  return fetch(url, { signal: AbortSignal.timeout(2000) }).then(
    async (res) => (res.ok ? await res.text() : undefined),
    () => undefined,
  );
}

/** An attachment as the code before issue #16 made it: the legacy conflist, a record without `conflist`. */
async function legacyAttach(net: TestNetwork, namespace: string, id: string): Promise<{ ip: string }> {
  const name = netnsName(namespace, id);
  await execa('ip', ['netns', 'add', name]);
  const att = { containerId: name, netns: netnsPath(name), ifname: 'eth0' };
  const result = (await net.network.runner.add(net.network.list, att, {})) as { ips: { address: string }[] };
  const ip = result.ips[0]?.address.split('/')[0] ?? '';
  await net.network.store.put({
    namespace,
    id,
    netns: att.netns,
    containerId: name,
    ifname: 'eth0',
    state: 'attached',
    ip,
    result,
    createdAt: new Date().toISOString(),
  });
  return { ip };
}

/** Forgets a record without DEL, as a crash or a race between two processes did. */
async function loseRecord(net: TestNetwork, namespace: string, id: string): Promise<AttachmentRecord> {
  const record = (await net.network.records(namespace)).find((r) => r.id === id);
  assert.ok(record, `${namespace}/${id} has a record`);
  await net.network.store.update((rs) =>
    rs.filter((r) => r !== rs.find((x) => x.namespace === namespace && x.id === id)),
  );
  return record;
}

describe('CNI network names, leftover rules and the localnet guard', { skip: needsRoot }, () => {
  let net: TestNetwork;
  before(async () => {
    net = await testNetwork('names');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('gives namespace/name pairs that used to join to one name their own netns and address (#17 item 6)', async () => {
    const t = net.options.coreNamespace;
    const pairs: [string, string][] = [
      [`${t}-probe-x-a`, 'b'],
      [`${t}-probe-x`, 'a-b'],
      [`${t}-openfaas-queue`, 'worker'],
      [`${t}-openfaas`, 'queue-worker'],
    ];
    const ips: string[] = [];
    for (const [ns, id] of pairs) ips.push((await net.network.attach(ns, id)).ip);
    assert.equal(new Set(ips).size, pairs.length);
    assert.equal(new Set(pairs.map(([ns, id]) => netnsName(ns, id))).size, pairs.length);
    for (const [i, [ns, id]] of pairs.entries()) {
      const addr = await execa('ip', ['-n', netnsName(ns, id), '-4', '-o', 'addr', 'show', 'eth0']);
      assert.match(addr.stdout, new RegExp(`inet ${(ips[i] ?? '').replace(/\./g, '\\.')}/`));
    }
    // Removing the first of each pair leaves the second its netns and its address.
    await net.network.detach(...pairs[0]!);
    await net.network.detach(...pairs[2]!);
    for (const i of [1, 3]) {
      const [ns, id] = pairs[i]!;
      const addr = await execa('ip', ['-n', netnsName(ns, id), '-4', '-o', 'addr', 'show', 'eth0']);
      assert.match(addr.stdout, new RegExp(`inet ${(ips[i] ?? '').replace(/\./g, '\\.')}/`));
    }
    // The records hold the addresses (reserved in our journal); host-local allocated none.
    assert.deepEqual((await net.network.records()).map((r) => r.ip).sort(), [ips[1], ips[3]].sort());
    assert.deepEqual(await hostLocalIps(net), []);
    for (const i of [1, 3]) await net.network.detach(...pairs[i]!);
    assert.deepEqual(await net.network.records(), []);
  });

  it('restores, detaches and reconciles a record made under the old `<namespace>-<id>` name', async () => {
    const ns = net.options.coreNamespace;
    const old = `${ns}-legacy`;
    const port = await freePort();
    const portMappings: PortMapping[] = [
      { hostPort: port, containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' },
    ];
    // What the code before the separator did: netns and CNI container ID `<namespace>-<id>`, no containerId field.
    await execa('ip', ['netns', 'add', old]);
    const att = { containerId: old, netns: netnsPath(old), ifname: 'eth0' };
    const result = (await net.network.runner.add(net.network.list, att, { portMappings })) as {
      ips: { address: string }[];
    };
    const ip = result.ips[0]?.address.split('/')[0] ?? '';
    await net.network.store.update((rs) => [
      ...rs,
      {
        namespace: ns,
        id: 'legacy',
        netns: att.netns,
        ifname: 'eth0',
        state: 'attached',
        ip,
        portMappings,
        result,
        createdAt: new Date().toISOString(),
      },
    ]);
    // A reboot took the netns: restore brings it back under the name the container's spec holds.
    await execa('ip', ['netns', 'delete', old]);
    assert.equal(await net.network.restore(ns, 'legacy'), true);
    const [record] = await net.network.records(ns);
    assert.equal(record?.netns, netnsPath(old));
    assert.deepEqual(await dnatTargets(net.options.name, old), [`${record?.ip ?? ''}:8080`]);
    // Attached again with today's conflist: no firewall rules per address; DEL with the legacy list
    // (what ADD used) removed the old address's.
    assert.equal(record?.conflist, 'ports');
    assert.deepEqual(await forwardRules(record?.ip ?? ''), []);
    assert.deepEqual(await forwardRules(ip), []);

    await net.network.reconcile(async () => false);
    assert.deepEqual(await net.network.records(), []);
    await assert.rejects(execa('ip', ['-n', old, 'link']));
    assert.deepEqual(await dnatTargets(net.options.name, old), []);
    assert.deepEqual(await forwardRules(record?.ip ?? ''), []);
    assert.deepEqual(await hostLocalIps(net), []);
  });

  it('a lost record and a netns deleted by hand leave no port mapping to win over the new one (#17 item 12)', async () => {
    const ns = net.options.coreNamespace;
    const port = await freePort();
    const portMappings: PortMapping[] = [
      { hostPort: port, containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' },
    ];
    const first = await net.network.attach(ns, 'gw', { portMappings });
    const name = netnsName(ns, 'gw');
    // The record was lost, then a DEL without it ran (the address is free again, portmap got no
    // mappings and removed nothing), and the netns was deleted by hand.
    await loseRecord(net, ns, 'gw');
    await net.network.runner.del(net.network.lists.ports, {
      containerId: name,
      netns: netnsPath(name),
      ifname: 'eth0',
    });
    await execa('ip', ['netns', 'delete', name]);
    assert.deepEqual(await dnatTargets(net.options.name, name), [`${first.ip}:8080`]);

    const second = await net.network.attach(ns, 'gw', { portMappings });
    assert.deepEqual(await dnatTargets(net.options.name, name), [`${second.ip}:8080`]);
    const server = await serveIn(name, 'new\n');
    try {
      const body = await pollUntil('127.0.0.1 to reach the new container', () =>
        fetchText(`http://127.0.0.1:${port}/`),
      );
      assert.equal(body, 'new\n');
    } finally {
      await server.stop();
    }

    // And reconcile removes them when the container is gone too.
    await loseRecord(net, ns, 'gw');
    await net.network.runner.del(net.network.lists.ports, {
      containerId: name,
      netns: netnsPath(name),
      ifname: 'eth0',
    });
    await execa('ip', ['netns', 'delete', name]);
    assert.deepEqual(await dnatTargets(net.options.name, name), [`${second.ip}:8080`]);
    await net.network.reconcile(async () => true);
    assert.deepEqual(await dnatTargets(net.options.name, name), []);
    assert.deepEqual(await forwardRules(second.ip), []);
  });

  it('reconcile removes firewall rules a DEL without prevResult left, and keeps live ones (#17 item 15)', async () => {
    const ns = net.options.coreNamespace;
    // Made as before issue #16: only the legacy conflist's firewall plugin adds rules per address.
    const a = await legacyAttach(net, ns, 'fa');
    const b = await legacyAttach(net, ns, 'fb');
    const name = netnsName(ns, 'fa');
    await net.network.runner.del(net.network.list, {
      containerId: name,
      netns: netnsPath(name),
      ifname: 'eth0',
    });
    await loseRecord(net, ns, 'fa');
    await execa('ip', ['netns', 'delete', name]);
    assert.equal((await forwardRules(a.ip)).length, 2, 'the firewall plugin kept the dead address rules');

    const removed = await net.network.reconcile(async () => true);
    assert.deepEqual(await forwardRules(a.ip), []);
    assert.equal((await forwardRules(b.ip)).length, 2);
    assert.ok(
      removed.some((r) => r.includes(a.ip)),
      removed.join('; '),
    );
    await net.network.detach(ns, 'fb');
  });

  it('drops packets from the bridge to 127.0.0.0/8 except port-mapped ones; the guard goes with the bridge (#17 item 13)', async () => {
    const own = await testNetwork('ln');
    try {
      const ns = own.options.coreNamespace;
      const port = await freePort();
      await own.network.attach(ns, 'web', {
        portMappings: [{ hostPort: port, containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' }],
      });
      const chain = `FAASD-LN-${own.options.bridge}`;
      const rules = (await execa('iptables', ['-w', '-S', chain])).stdout;
      assert.match(rules, /-d 127\.0\.0\.0\/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP/);
      const input = (await execa('iptables', ['-w', '-S', 'INPUT'])).stdout.split('\n');
      assert.deepEqual(
        input.filter((l) => l.includes(chain)),
        [`-A INPUT -d 127.0.0.0/8 -i ${own.options.bridge} -j ${chain}`],
      );
      const route = await execa('sysctl', ['-n', `net.ipv4.conf.${own.options.bridge}.route_localnet`]);
      assert.equal(
        route.stdout.trim(),
        '1',
        'portmap set route_localnet: the guard is what protects loopback',
      );

      const server = await serveIn(netnsName(ns, 'web'), 'mapped\n');
      try {
        assert.equal(
          await pollUntil('the port mapping', () => fetchText(`http://127.0.0.1:${port}/`)),
          'mapped\n',
        );
      } finally {
        await server.stop();
      }
      await own.network.detach(ns, 'web');
      await own.network.removeBridge();
      assert.equal((await execa('iptables', ['-w', '-S', chain], { reject: false })).exitCode, 1);
      const left = (await execa('iptables', ['-w', '-S', 'INPUT'])).stdout;
      assert.equal(left.includes(chain), false);
    } finally {
      await own.cleanup();
    }
  });
});
