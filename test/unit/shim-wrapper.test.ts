import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig, shimWrapperFile } from '../../src/config/index.js';
import { InvalidArgumentError } from '../../src/errors.js';
import { SHIM_GROUP_LABEL, ShimGroups, type GroupedContainer } from '../../src/runtime/shim-groups.js';
import { SHIM_WRAPPER_SCRIPT, ensureShimWrapper } from '../../src/runtime/shim-wrapper.js';

const quiet = () => undefined;

describe('shim wrapper file', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  const scratch = async () => {
    const d = await mkdtemp(join(tmpdir(), 'faasd-shim-wrapper-'));
    dirs.push(d);
    return d;
  };

  it('lives in the state dir', () => {
    assert.equal(
      shimWrapperFile({ stateDir: '/var/lib/faasd' }),
      '/var/lib/faasd/bin/containerd-shim-runc-v2-mntns',
    );
  });

  it('is written executable, folders made', async () => {
    const path = join(await scratch(), 'bin', 'shim');
    assert.equal(await ensureShimWrapper(path), path);
    assert.equal(await readFile(path, 'utf8'), SHIM_WRAPPER_SCRIPT);
    assert.equal((await stat(path)).mode & 0o777, 0o755);
  });

  it('is left alone when whole (same inode), rewritten when changed or not executable', async () => {
    const path = join(await scratch(), 'shim');
    await ensureShimWrapper(path);
    const ino = (await stat(path)).ino;
    await ensureShimWrapper(path);
    assert.equal((await stat(path)).ino, ino);

    await writeFile(path, '#!/bin/sh\nexec true\n');
    await ensureShimWrapper(path);
    assert.equal(await readFile(path, 'utf8'), SHIM_WRAPPER_SCRIPT);

    await chmod(path, 0o644);
    await ensureShimWrapper(path);
    assert.equal((await stat(path)).mode & 0o777, 0o755);
  });
});

describe('config: shimMountNamespace (FAASD_SHIM_MOUNT_NS)', () => {
  it('defaults to on', () => {
    assert.equal(resolveConfig({}, {}, {}, quiet).shimMountNamespace, true);
  });

  const cases = [
    { name: 'off', input: 'off', want: false },
    { name: '0', input: '0', want: false },
    { name: 'false', input: 'FALSE', want: false },
    { name: 'on', input: 'on', want: true },
    { name: '1', input: '1', want: true },
    { name: 'a word it does not know', input: 'maybe', want: undefined },
  ];
  for (const c of cases)
    it(`${c.name}: ${c.input}`, () => {
      const read = () => resolveConfig({}, { FAASD_SHIM_MOUNT_NS: c.input }, {}, quiet).shimMountNamespace;
      if (c.want !== undefined) return assert.equal(read(), c.want);
      assert.throws(
        read,
        (err: unknown) => err instanceof InvalidArgumentError && err.field === 'shimMountNamespace',
      );
    });
});

describe('shim groups with a runtime', () => {
  const list = (containers: GroupedContainer[]) => (): Promise<GroupedContainer[]> =>
    Promise.resolve(containers);

  it('never joins a group whose shim another runtime started, and uses it again once empty', async () => {
    const g = new ShimGroups(
      list([
        { id: 'old', labels: { [SHIM_GROUP_LABEL]: 'faasd-0' }, runtime: { name: 'io.containerd.runc.v2' } },
        { id: 'new', labels: { [SHIM_GROUP_LABEL]: 'faasd-1' }, runtime: { name: '/w' } },
      ]),
      { size: 4, runtime: '/w' },
    );
    assert.equal(await g.assign('ns', 'a'), 'faasd-1');
    await g.release('ns', 'old');
    assert.equal(await g.assign('ns', 'b'), 'faasd-0');
  });
});
