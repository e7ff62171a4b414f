import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryUsageBytes } from '../../src/runtime/index.js';

describe('memory usage from the cgroup', () => {
  it('reads cgroup v2 and v1 layouts, and nothing when absent', async () => {
    const root = await mkdtemp(join(tmpdir(), 'faasd-unit-cgroup-'));
    try {
      await mkdir(join(root, 'openfaas-fn/figlet'), { recursive: true });
      await writeFile(join(root, 'openfaas-fn/figlet/memory.current'), '1048576\n');
      await mkdir(join(root, 'memory/openfaas-fn/echo'), { recursive: true });
      await writeFile(join(root, 'memory/openfaas-fn/echo/memory.usage_in_bytes'), '2097152\n');
      assert.equal(await memoryUsageBytes('openfaas-fn', 'figlet', root), 1048576);
      assert.equal(await memoryUsageBytes('openfaas-fn', 'echo', root), 2097152);
      assert.equal(await memoryUsageBytes('openfaas-fn', 'nothere', root), undefined);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
