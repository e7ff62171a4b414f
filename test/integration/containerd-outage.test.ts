import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { needsRoot } from '../helpers/root.js';
import { packBusybox } from '../helpers/busybox.js';
import { pollUntil } from '../helpers/wait.js';
import { killTaskAndAwaitRestart } from '../helpers/tasks.js';
import { upTestStack, type UpTestStack } from '../helpers/up-stack.js';

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('faasd up through containerd outages (#17 item 11)', { skip: needsRoot }, () => {
  let stack: UpTestStack;

  before(async () => {
    stack = await upTestStack('outage', { bridgePrefix: 'fout', subnetBase: '10.204' });
    await packBusybox(stack.core, 'faasd.test/busybox:1');
    await writeFile(
      join(stack.dir, 'docker-compose.yaml'),
      `version: "3.7"
services:
  idle:
    image: faasd.test/busybox:1
    command: sleep 3600
  slow:
    image: faasd.test/busybox:1
    user: nobody
    command: ["sh", "-c", "sleep 1; exec httpd -f -p 8080 -h /www"]
`,
    );
  });

  after(async () => stack?.dispose());

  it('waits for containerd at start, outlives an outage of seconds, and still restarts a killed service', async () => {
    const { ctd } = stack;
    await ctd.halt();
    const p = stack.launch(join(stack.dir, 'docker-compose.yaml'));
    const early = p.early;

    // Down at start: it retries, logging each attempt, until containerd is there.
    await pollUntil(
      'faasd up to retry containerd twice',
      async () => (count(p.output(), 'containerd is not reachable; retrying') >= 2 ? true : undefined),
      { timeoutMs: 60_000, early },
    );
    await ctd.resume();
    await stack.waitUp(p, 120_000);

    // Down for as long as the backoff takes to reach 3.2 s: 0.2 + 0.4 + 0.8 + 1.6 s of retries first.
    const before = p.output().length;
    await ctd.halt();
    await pollUntil(
      'faasd up to back off to 3.2 s',
      async () => {
        const since = p.output().slice(before);
        return since.includes('lost containerd events; reconnecting') && since.includes('in_ms=3200')
          ? true
          : undefined;
      },
      { timeoutMs: 60_000, early },
    );
    assert.equal(p.proc.exitCode, null, 'faasd up is still running');
    await ctd.resume();

    const c = stack.core;
    const { before: was, after: now } = await killTaskAndAwaitRestart(c, 'idle', 60_000);
    assert.notEqual(now.pid, was?.pid);
    assert.equal(p.proc.exitCode, null);
    assert.equal(p.output().includes('Unhandled'), false, p.output().slice(-2000));

    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output().slice(-2000));
  });
});
