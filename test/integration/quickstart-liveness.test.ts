import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { execa } from 'execa';
import { pollUntil } from '../helpers/wait.js';

const DAEMON_SH = join(import.meta.dirname, '../../scripts/daemon.sh');

/** Exit code of scripts/daemon.sh's `daemon_running PID PATTERN` (0 = running). */
async function daemonRunning(pid: string, pattern: string): Promise<number | undefined> {
  const r = await execa('bash', ['-c', `source "$0"; daemon_running "$1" "$2"`, DAEMON_SH, pid, pattern], {
    reject: false,
  });
  return r.exitCode;
}

/** Exit code of the old check, `kill -0 PID`. */
async function kill0(pid: string): Promise<number | undefined> {
  return (await execa('bash', ['-c', 'kill -0 "$0"', pid], { reject: false })).exitCode;
}

async function stateOf(pid: string): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat?.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
}

/**
 * A parent that starts a "daemon" (`sleep 300`) and does not reap it until its stdin closes: perl sets
 * no SIGCHLD handler, so a killed child stays a zombie, as a daemon does under a shell that is not
 * PID 1. Closing stdin makes the parent reap it and exit, so the test leaves no zombie behind.
 */
async function startParent(): Promise<{ parent: ChildProcess; pid: string }> {
  const parent = spawn(
    'perl',
    [
      '-e',
      '$| = 1; my $pid = fork() // die "fork: $!"; if ($pid == 0) { exec("sleep", "300") or exit 1 } ' +
        'print "$pid\\n"; <STDIN>; kill("KILL", $pid); waitpid($pid, 0);',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const [line] = (await once(parent.stdout as NodeJS.ReadableStream, 'data')) as [Buffer];
  return { parent, pid: line.toString('utf8').trim() };
}

describe('quickstart: daemon_running (issue #17 item 16)', () => {
  const parents: ChildProcess[] = [];
  after(async () => {
    for (const p of parents) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      const exited = once(p, 'exit');
      p.stdin?.end();
      await exited;
    }
  });

  it('a killed, unreaped daemon (a zombie) is not running, though kill -0 says it is', async () => {
    const { parent, pid } = await startParent();
    parents.push(parent);
    await pollUntil('the daemon to exec', async () =>
      (await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('sleep\0') ? true : undefined,
    );
    assert.equal(await daemonRunning(pid, 'sleep 300'), 0, 'the live daemon is running');

    process.kill(Number(pid), 'SIGKILL');
    await pollUntil('the daemon to be a zombie', async () =>
      (await stateOf(pid)) === 'Z' ? true : undefined,
    );

    assert.equal(await kill0(pid), 0, 'kill -0 still succeeds for the zombie');
    assert.equal(await daemonRunning(pid, 'sleep 300'), 1, 'daemon_running says the zombie is not running');
  });

  it('a live process that is not the daemon (a reused PID) is not running', async () => {
    const { parent, pid } = await startParent();
    parents.push(parent);
    await pollUntil('the daemon to exec', async () =>
      (await readFile(`/proc/${pid}/cmdline`, 'utf8')).startsWith('sleep\0') ? true : undefined,
    );
    assert.equal(await kill0(pid), 0);
    assert.equal(await daemonRunning(pid, 'faasd.mjs provider'), 1);
    assert.equal(await daemonRunning(pid, 'sleep 300'), 0);
  });

  it('a PID file that is empty, garbage, or names no process: not running', async () => {
    for (const pid of ['', 'abc', '0', '-1', '1 2', String(2 ** 22 + 1)])
      assert.equal(await daemonRunning(pid, 'sleep'), 1, `pid ${JSON.stringify(pid)}`);
  });
});
