import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { needsRoot } from '../helpers/root.js';
import { pollUntil } from '../helpers/wait.js';
import { testStack, type TestStack } from '../helpers/stack.js';
import { runFaasd } from '../helpers/faasd-process.js';
import type { ServiceStatus } from '../../src/supervisor/service-status.js';

const SERVICES = ['gateway', 'nats', 'prometheus', 'queue-worker'];
/** A documentation address (RFC 5737): written into resolv.conf, never sent to. */
const DNS = '192.0.2.53';

/**
 * `faasd service list|logs|restart` as a user runs them beside `faasd up`, on a split deployment: its
 * compose file runs the gateway and queue-worker as containers too (in the default one-daemon stack they
 * run inside faasd up, and their log is the daemon's: `journalctl -u faasd`).
 */
describe('faasd service commands on a split deployment', { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let stack: TestStack;

  const faasd = async (...args: string[]) => {
    const p = runFaasd(args, stack.env);
    const code = await p.exited;
    return { code, out: p.output() };
  };
  const list = async () => {
    const r = await faasd('service', 'list', '--json');
    assert.equal(r.code, 0, r.out);
    return JSON.parse(r.out) as {
      services: ServiceStatus[];
      dns: { configured: string[]; inUse: string[]; source: string };
    };
  };
  /** Each async call makes the gateway log one line naming its call id. */
  const queueOne = async (): Promise<string> => {
    const res = await fetch(`${stack.gateway}/async-function/nobody`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 202);
    return res.headers.get('x-call-id') ?? '';
  };

  before(async () => {
    ctd = await startContainerd('svc');
    stack = await testStack(ctd, 'svc', { variant: 'split' });
    stack.env.FAASD_DNS = DNS;
    await stack.startProvider();
    await stack.startUp();
  });
  after(async () => {
    await stack?.cleanup();
    await ctd?.stop();
  });

  it('lists every compose service with state, restarts, IP and ports, and the DNS in use', async () => {
    const { services, dns } = await list();
    assert.deepEqual(
      services.map((s) => s.name),
      SERVICES,
    );
    for (const s of services) {
      assert.equal(s.state, 'running', s.name);
      assert.equal(s.restarts, 0, s.name);
      assert.match(s.ip ?? '', /^\d+\.\d+\.\d+\.\d+$/, s.name);
    }
    assert.deepEqual(
      services.find((s) => s.name === 'gateway')?.ports.map((p) => p.containerPort),
      [8080],
    );
    assert.deepEqual(dns, { configured: [DNS], inUse: [DNS], source: dns.source });
    assert.match(
      await readFile(join(stack.config.stateDir, 'resolv.conf'), 'utf8'),
      /^nameserver 192\.0\.2\.53$/m,
    );
    const table = await faasd('service', 'list');
    assert.match(table.out, /^NAME\s+IMAGE\s+STATE\s+UPTIME\s+RESTARTS\s+IP\s+PORTS$/m);
    assert.match(table.out, /^DNS: 192\.0\.2\.53: configured/m);
  });

  it('prints the last N lines of a service log, and follows new ones', async () => {
    for (let i = 0; i < 6; i++) await queueOne();
    await pollUntil(
      'six queued lines in the gateway log',
      async () => {
        const r = await faasd('service', 'logs', 'gateway');
        return (r.out.match(/queued async invocation/g) ?? []).length >= 6 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    const r = await faasd('service', 'logs', 'gateway', '--lines', '5');
    assert.equal(r.code, 0, r.out);
    assert.equal(r.out.trimEnd().split('\n').length, 5, r.out);
    assert.equal((await faasd('service', 'logs', 'nosuch')).code, 3);
    assert.equal((await faasd('service', 'logs', 'gateway', '--lines', 'five')).code, 2);

    const follower = runFaasd(['service', 'logs', 'gateway', '--follow', '--lines', '1'], stack.env);
    try {
      // Its first line says it has read the file and is following from the end.
      await pollUntil(
        'the follower to start',
        async () => (follower.output().includes('\n') ? true : undefined),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
        },
      );
      const id = await queueOne();
      await pollUntil(
        'the follower to show the new line',
        async () => (follower.output().includes(id) ? true : undefined),
        {
          timeoutMs: 1000,
          intervalMs: 20,
        },
      );
    } finally {
      follower.proc.kill('SIGTERM');
      assert.equal(await follower.exited, 0);
    }
  });

  it('restarts a service through the supervisor, which counts it', async () => {
    const before = (await list()).services.find((s) => s.name === 'prometheus');
    const r = await faasd('service', 'restart', 'prometheus');
    assert.equal(r.code, 0, r.out);
    const after = (await list()).services.find((s) => s.name === 'prometheus');
    assert.equal(after?.state, 'running');
    assert.equal(after?.restarts, (before?.restarts ?? 0) + 1);
    assert.notEqual(after?.pid, before?.pid);
    assert.equal((await faasd('service', 'restart', 'nosuch')).code, 3);
  });

  it('shows CPU and memory of every running service from its cgroup', async () => {
    const r = await faasd('service', 'top', '--interval', '200');
    assert.equal(r.code, 0, r.out);
    for (const name of SERVICES)
      assert.match(
        r.out,
        new RegExp(`^service\\s+\\S+\\s+${name}\\s+\\d+\\.\\d\\s+\\d+\\.\\dMi$`, 'm'),
        r.out,
      );
  });
});
