import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildSpec } from '../../src/containerd/index.js';
import { processArgs } from '../../src/runtime/runtime.js';
import { nofileLimit } from '../../src/runtime/rlimit.js';
import { InvalidArgumentError } from '../../src/errors.js';
import type { ImageConfig } from '../../src/image/index.js';

type Spec = {
  process: {
    args: string[];
    env: string[];
    user: { uid: number; gid: number; additionalGids?: number[] };
    capabilities: { bounding: string[] };
    rlimits: { type: string; soft: number; hard: number }[];
  };
  root: { readonly: boolean };
  mounts: { destination: string; type: string; options: string[] }[];
  linux: {
    cgroupsPath: string;
    namespaces: { type: string; path?: string }[];
    resources: { memory?: { limit: number }; cpu?: { quota: number; period: number } };
    maskedPaths: string[];
  };
  hostname: string;
};

describe('OCI spec builder', () => {
  it('has containerd default mounts, caps, masked paths and the cgroups path', () => {
    const s = buildSpec({ namespace: 'openfaas-fn', id: 'figlet', args: ['fwatchdog'] }) as unknown as Spec;
    assert.deepEqual(
      s.mounts.map((m) => m.destination),
      ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/run'],
    );
    assert.equal(s.linux.cgroupsPath, '/openfaas-fn/figlet');
    assert.ok(s.process.capabilities.bounding.includes('CAP_NET_BIND_SERVICE'));
    assert.ok(!s.process.capabilities.bounding.includes('CAP_SYS_ADMIN'));
    assert.ok(s.linux.maskedPaths.includes('/proc/kcore'));
    assert.equal(s.process.env[0]?.startsWith('PATH='), true);
    assert.equal(s.hostname, 'figlet');
  });

  it('applies netns, limits, read-only rootfs with writable /tmp, binds and extra caps', () => {
    const s = buildSpec({
      namespace: 'ns',
      id: 'c',
      args: ['x'],
      netnsPath: '/var/run/netns/ns-c',
      memoryLimitBytes: 128 * 1024 * 1024,
      cpus: 0.5,
      readonlyRootfs: true,
      mounts: [{ source: '/var/lib/faasd/hosts', destination: '/etc/hosts', readonly: true }],
      capAdd: ['CAP_NET_ADMIN'],
      uid: 1000,
      gid: 1000,
    }) as unknown as Spec;
    assert.deepEqual(
      s.linux.namespaces.find((n) => n.type === 'network'),
      { type: 'network', path: '/var/run/netns/ns-c' },
    );
    assert.equal(s.linux.resources.memory?.limit, 134217728);
    assert.deepEqual(s.linux.resources.cpu, { quota: 50000, period: 100000 });
    assert.equal(s.root.readonly, true);
    assert.ok(s.mounts.some((m) => m.destination === '/tmp' && m.type === 'tmpfs'));
    assert.deepEqual(s.mounts.find((m) => m.destination === '/etc/hosts')?.options, ['rbind', 'ro']);
    assert.ok(s.process.capabilities.bounding.includes('CAP_NET_ADMIN'));
    assert.deepEqual(s.process.user, { uid: 1000, gid: 1000 });
  });

  it("gives every container Docker's RLIMIT_NOFILE, 1048576 soft and hard (containerd's default is 1024)", () => {
    const s = buildSpec({ namespace: 'openfaas', id: 'gateway', args: ['gateway'] }) as unknown as Spec;
    assert.deepEqual(
      s.process.rlimits.filter((r) => r.type === 'RLIMIT_NOFILE'),
      [{ type: 'RLIMIT_NOFILE', soft: 1048576, hard: 1048576 }],
    );
  });

  it('takes a lower RLIMIT_NOFILE when the host cannot give more', () => {
    const s = buildSpec({ namespace: 'n', id: 'c', args: ['x'], nofile: 20000 }) as unknown as Spec;
    assert.deepEqual(s.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 20000, hard: 20000 }]);
  });

  it('writes supplementary groups as additionalGids', () => {
    const s = buildSpec({
      namespace: 'n',
      id: 'c',
      args: ['x'],
      uid: 12000,
      gid: 12000,
      additionalGids: [12001],
    });
    assert.deepEqual((s as unknown as Spec).process.user, {
      uid: 12000,
      gid: 12000,
      additionalGids: [12001],
    });
  });
});

describe('process args', () => {
  const config = (entry: string[] | null, cmd: string[] | null): ImageConfig => ({
    architecture: 'amd64',
    os: 'linux',
    config: { Entrypoint: entry, Cmd: cmd },
    rootfs: { type: 'layers', diff_ids: [] },
  });
  const base = { namespace: 'n', id: 'i', image: 'x' };
  it('joins entrypoint and cmd', () =>
    assert.deepEqual(processArgs(config(['/e'], ['a']), base), ['/e', 'a']));
  it('args replace cmd', () =>
    assert.deepEqual(processArgs(config(['/e'], ['a']), { ...base, args: ['b'] }), ['/e', 'b']));
  it('a new entrypoint drops the image cmd', () =>
    assert.deepEqual(processArgs(config(['/e'], ['a']), { ...base, entrypoint: ['/n'] }), ['/n']));
  it('nothing to run is an error', () =>
    assert.throws(() => processArgs(config(null, null), base), InvalidArgumentError));
});

describe('RLIMIT_NOFILE the host allows', () => {
  const limits = (hard: string): string =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 ${hard}                files     \n`;
  const status = (capEff: string): string => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`;
  const cases = [
    {
      name: "with CAP_SYS_RESOURCE, Docker's",
      input: [status('000001ffffffffff'), limits('20000')],
      want: 1048576,
    },
    { name: 'without it, our hard limit', input: [status('000001fffeffffff'), limits('20000')], want: 20000 },
    { name: "never above Docker's", input: [status('0000000000000000'), limits('4194304')], want: 1048576 },
    {
      name: "unlimited is Docker's",
      input: [status('0000000000000000'), limits('unlimited')],
      want: 1048576,
    },
    { name: "unreadable is Docker's", input: ['', ''], want: 1048576 },
  ] as const;
  for (const c of cases) it(c.name, () => assert.equal(nofileLimit(c.input[0], c.input[1]), c.want));
});
