import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';

const FIXTURE = join(import.meta.dirname, '../fixtures/signals/serve-with-child.ts');

describe('serveUntilSignal', () => {
  it('stops the daemon on SIGTERM while an execa child runs (signal-exit must not re-raise it)', async () => {
    const proc = spawn('node', ['--import', 'tsx', FIXTURE], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      proc.stdout.setEncoding('utf8');
      const ready = new Promise<void>((resolve) =>
        proc.stdout.on('data', (c: string) => {
          out += c;
          if (out.includes('ready')) resolve();
        }),
      );
      await ready;
      proc.kill('SIGTERM');
      const [code, signal] = (await once(proc, 'exit')) as [number | null, string | null];
      assert.deepEqual({ code, signal, out }, { code: 0, signal: null, out: 'ready\nstopped\n' });
    } finally {
      proc.kill('SIGKILL');
    }
  });
});
