import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { testNetwork, type TestNetwork } from '../helpers/network.js';
import { pollUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/registry.js';
import { CniNetwork } from '../../src/network/index.js';
import { netnsName, netnsPath } from '../../src/network/netns.js';
import type { AttachmentRecord } from '../../src/network/ipam-store.js';
import type { PortMapping } from '../../src/runtime/index.js';

/** Every iptables rule (nat and filter) that names one of `marks`: a container ID, an address. */
async function rulesNaming(marks: string[]): Promise<string[]> {
  const out = (await execa('iptables-save')).stdout.split('\n');
  return out.filter((l) => l.startsWith('-A ') && marks.some((m) => l.includes(m)));
}

async function hostLocalIps(net: TestNetwork): Promise<string[]> {
  const dir = join(net.options.ipamDataDir, net.options.name);
  return (await readdir(dir).catch(() => [])).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
}

/**
 * A network namespace standing in for the internet: a veth pair to the host on its own /30, and busybox
 * httpd on :8080 whose CGI answers the address the request came from.
 */
async function outside(tag: string): Promise<{ url: string; hostSide: string; stop(): Promise<void> }> {
  const suffix = randomBytes(2).toString('hex');
  const ns = `faasd-test-out-${tag}-${suffix}`;
  const hostIf = `fo${suffix}h`;
  const octet = randomBytes(1)[0] ?? 0;
  const hostSide = `10.198.${octet}.1`;
  const far = `10.198.${octet}.2`;
  const www = await mkdtemp('/tmp/faasd-test-out-');
  await mkdir(join(www, 'cgi-bin'));
  await writeFile(
    join(www, 'cgi-bin', 'addr'),
    '#!/bin/sh\nprintf \'Content-Type: text/plain\\r\\n\\r\\n%s\\n\' "$REMOTE_ADDR"\n',
  );
  await chmod(join(www, 'cgi-bin', 'addr'), 0o755);
  const stop = async () => {
    await execa('ip', ['netns', 'pids', ns], { reject: false }).then(async (r) => {
      for (const pid of r.stdout.split('\n').filter(Boolean))
        await execa('kill', ['-9', pid], { reject: false });
    });
    await execa('ip', ['link', 'del', hostIf], { reject: false });
    await execa('ip', ['netns', 'delete', ns], { reject: false });
    await rm(www, { recursive: true, force: true });
  };
  try {
    await execa('ip', ['netns', 'add', ns]);
    await execa('ip', ['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    await execa('ip', ['addr', 'add', `${hostSide}/30`, 'dev', hostIf]);
    await execa('ip', ['link', 'set', hostIf, 'up']);
    await execa('ip', ['-n', ns, 'addr', 'add', `${far}/30`, 'dev', 'eth0']);
    await execa('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    await execa('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await execa('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-p', `${far}:8080`, '-h', www]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `http://${far}:8080/cgi-bin/addr`, hostSide, stop };
}

/** What a container's request to `url` arrives from, as the far side saw it. */
async function seenFrom(netns: string, url: string): Promise<string | undefined> {
  const r = await execa('ip', ['netns', 'exec', netns, 'curl', '-sf', '-m', '2', url], { reject: false });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

// Issue #16: a function's attach runs bridge alone and adds no iptables rule of its own; masquerade
// and forwarding are the subnet's rules, port mappings only for containers that publish ports.
describe('CNI network: attach cost flat in N', { skip: needsRoot }, () => {
  let net: TestNetwork;
  before(async () => {
    net = await testNetwork('dens');
  });
  after(async () => {
    await net?.cleanup();
  });

  it('a function attach adds no iptables rule; its traffic out is masqueraded by the subnet rule', async () => {
    const ns = net.options.coreNamespace;
    const far = await outside('masq');
    try {
      const atts = await Promise.all(['f1', 'f2', 'f3'].map((id) => net.network.attach(ns, id)));
      const marks = [...atts.map((a) => `${a.ip}/32`), ...['f1', 'f2', 'f3'].map((id) => netnsName(ns, id))];
      assert.deepEqual(await rulesNaming(marks), []);
      for (const r of await net.network.records(ns)) assert.equal(r.conflist, 'plain');
      // Its loopback is up, as the loopback plugin left it.
      const lo = await execa('ip', ['-n', netnsName(ns, 'f1'), 'link', 'show', 'lo']);
      assert.match(lo.stdout, /<LOOPBACK,UP,LOWER_UP>/);
      // The far side sees the host's address on its link, not the container's.
      const from = await pollUntil('the outside to answer', () => seenFrom(netnsName(ns, 'f1'), far.url));
      assert.equal(from, far.hostSide);

      for (const id of ['f1', 'f2', 'f3']) await net.network.detach(ns, id);
      assert.deepEqual(await net.network.records(ns), []);
      assert.deepEqual(await hostLocalIps(net), []);
      const veths = await execa('ip', ['-o', 'link', 'show', 'master', net.options.bridge]);
      assert.equal(veths.stdout.trim(), '');
    } finally {
      await far.stop();
    }
  });

  it('removeBridge takes the subnet rules with it', async () => {
    const own = await testNetwork('densrm');
    try {
      await own.network.attach(own.options.coreNamespace, 'x');
      const mine = () =>
        execa('iptables-save').then((r) =>
          r.stdout.split('\n').filter((l) => l.includes(own.options.bridge) && l.startsWith('-A ')),
        );
      // Masquerade, two forward rules, the jump to them, the localnet guard and its jump.
      assert.equal((await mine()).length, 6, (await mine()).join('\n'));
      await own.network.detach(own.options.coreNamespace, 'x');
      await own.network.removeBridge();
      assert.deepEqual(await mine(), []);
    } finally {
      await own.cleanup();
    }
  });

  it('an attachment made before (legacy conflist, old store file) is removed with everything it made', async () => {
    const own = await testNetwork('densold');
    try {
      const ns = own.options.coreNamespace;
      const name = netnsName(ns, 'old');
      const port = await freePort();
      const portMappings: PortMapping[] = [
        { hostPort: port, containerPort: 8080, protocol: 'tcp', hostIP: '127.0.0.1' },
      ];
      // What the code before issue #16 did: the legacy conflist, and the store as one JSON file.
      await execa('ip', ['netns', 'add', name]);
      const att = { containerId: name, netns: netnsPath(name), ifname: 'eth0' };
      const result = (await own.network.runner.add(own.network.list, att, { portMappings })) as {
        ips: { address: string }[];
      };
      const ip = result.ips[0]?.address.split('/')[0] ?? '';
      const record: AttachmentRecord = {
        namespace: ns,
        id: 'old',
        netns: att.netns,
        containerId: name,
        ifname: 'eth0',
        state: 'attached',
        ip,
        portMappings,
        result,
        createdAt: new Date().toISOString(),
      };
      await writeFile(own.network.store.path, JSON.stringify({ version: 1, records: [record] }, null, 2));
      const marks = [`${ip}/32`, name];
      assert.equal((await rulesNaming(marks)).length >= 4, true, 'masquerade, firewall and DNAT rules');

      // A daemon of this version starts on that host.
      const network = new CniNetwork(own.options);
      assert.deepEqual(await network.records(ns), [record]);
      await network.detach(ns, 'old');
      assert.deepEqual(await rulesNaming(marks), []);
      assert.deepEqual(await network.records(), []);
      assert.deepEqual(await hostLocalIps(own), []);
      assert.equal((await execa('ip', ['-n', name, 'link'], { reject: false })).exitCode !== 0, true);
    } finally {
      await own.cleanup();
    }
  });
});
