import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { createNetns, deleteNetns, inNetnsArgv, loopbackUp } from '../../src/network/netns.js';

// Issue #16: a command run in a container's netns must not copy the host's mount table (a netns bind
// and a rootfs overlay per container) the way `ip -n` / `ip netns exec` do.
describe('commands in a netns', { skip: needsRoot }, () => {
  const name = `faasd-test-enter-${randomBytes(3).toString('hex')}`;
  after(() => deleteNetns(name));

  it('run in the netns and in our own mount namespace', async () => {
    await createNetns(name);
    const [file, args] = inNetnsArgv(name, ['readlink', '/proc/self/ns/net', '/proc/self/ns/mnt']);
    const [net, mnt] = (await execa(file, args)).stdout.split('\n');
    assert.notEqual(net, await readlink('/proc/self/ns/net'), 'the command ran in the host netns');
    assert.equal(mnt, await readlink('/proc/self/ns/mnt'), 'the command got a mount namespace of its own');
  });

  it('bring lo up', async () => {
    await createNetns(name);
    const lo = async () => (await execa(...inNetnsArgv(name, ['ip', '-o', 'link', 'show', 'lo']))).stdout;
    assert.doesNotMatch(await lo(), /[<,]UP[,>]/);
    await loopbackUp(name);
    assert.match(await lo(), /[<,]UP[,>]/);
  });
});
