import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { duplicateListener } from '../../src/gateway/shared-listener.js';

const servers: Server[] = [];
after(() => {
  for (const s of servers) s.close();
});

function server(name: string): Server {
  const s = createServer((_req, res) => res.end(name));
  servers.push(s);
  return s;
}

/** `n` requests, each on a fresh connection: which server answered each. */
async function answers(port: number, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
    const who = await r.text();
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

test('a duplicated listener accepts beside the original, and closing it leaves the original serving', async () => {
  const main = server('main');
  await new Promise<void>((resolve) => main.listen(0, '127.0.0.1', resolve));
  const port = (main.address() as AddressInfo).port;
  const fd = (main as unknown as { _handle: { fd: number } })._handle.fd;

  const handle = await duplicateListener(fd);
  assert.notEqual(handle.fd, fd, 'a descriptor of its own');
  const second = server('second');
  await new Promise<void>((resolve) => second.listen(handle, resolve));

  // Both loops watch the socket; each fresh connection goes to whichever accepts first. Bounded: 200 tries.
  let both: Record<string, number> = {};
  for (let round = 0; round < 10 && !(both.main && both.second); round++) {
    const r = await answers(port, 20);
    both = { main: (both.main ?? 0) + (r.main ?? 0), second: (both.second ?? 0) + (r.second ?? 0) };
  }
  assert.ok(both.main && both.second, `both servers accepted: ${JSON.stringify(both)}`);

  await new Promise<void>((resolve) => second.close(() => resolve()));
  assert.deepEqual(await answers(port, 20), { main: 20 }, 'the original descriptor is still open');
});
