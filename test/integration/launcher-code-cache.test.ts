import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { BUNDLE } from '../helpers/faasd-process.js';
import { needsRoot } from '../helpers/root.js';
import { testStack, type TestStack } from '../helpers/stack.js';

/** The built bundle, as the systemd unit runs it: `faasd up` through the launcher (src/launcher/). */
const skip =
  needsRoot || (existsSync(join(BUNDLE, '../faasd.cjs')) ? false : 'skipped: run `npm run build` first');

/** The launcher's fields on the `stack is up` line (`code_cache=hit code_cache_saved=false`). */
function cacheFields(output: string): Record<string, string> {
  const line = output.split('\n').find((l) => l.includes('stack is up')) ?? '';
  const fields: Record<string, string> = {};
  for (const [, key, value] of line.matchAll(/(code_cache\w*)=(\S+)/g)) if (key && value) fields[key] = value;
  return fields;
}

describe('faasd up from the bundle: the V8 code cache', { skip }, () => {
  let ctd: TestContainerd;
  let stack: TestStack;
  before(async () => {
    ctd = await startContainerd('launcher-cache');
    stack = await testStack(ctd, 'launcher-cache', { bundle: true });
  });
  after(async () => {
    await stack?.cleanup();
    await ctd?.stop();
  });

  it('is written after the first start, used by the next, and the gateway answers both times', async () => {
    const cache = join(stack.config.stateDir, 'cache', 'faasd.v8');
    await stack.startUp(); // resolves once /healthz answers
    assert.deepEqual(cacheFields(stack.up?.output() ?? ''), {
      code_cache: 'missing',
      code_cache_saved: 'true',
    });
    assert.equal(statSync(cache).mode & 0o777, 0o600);
    assert.equal(statSync(join(cache, '..')).mode & 0o777, 0o700);
    assert.equal(await stack.stop(stack.up), 0);

    await stack.startUp();
    assert.deepEqual(cacheFields(stack.up?.output() ?? ''), {
      code_cache: 'hit',
      code_cache_saved: 'false',
    });
    assert.equal((await fetch(`${stack.gateway}/healthz`)).status, 200);
    assert.equal(await stack.stop(stack.up), 0);
  });
});
