import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import {
  ConnectionBalance,
  balanceCounters,
  setBothServing,
  type BalancedResponse,
} from '../../src/gateway/connection-balance.js';

/** A connection as the balance sees it: it can close. */
class FakeSocket extends EventEmitter {
  close(): void {
    this.emit('close');
  }
}

function request(socket: FakeSocket): { socket: FakeSocket; res: BalancedResponse } {
  return { socket, res: { shouldKeepAlive: true } };
}

test('a thread ahead by more than one asks a new connection to reconnect; the other keeps its own', () => {
  const counts = balanceCounters();
  setBothServing(counts, true);
  const main = new ConnectionBalance(counts, 0);
  const data = new ConnectionBalance(counts, 1);
  const onMain = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of onMain) main.onConnection(s);
  assert.deepEqual(main.shares(), { main: 3, data: 0 });

  const first = request(onMain[0] as FakeSocket);
  main.check(first, first.res);
  assert.equal(first.res.shouldKeepAlive, false, '3 against 0: the new connection is moved');
  // Its later requests are not looked at again (it closes after this answer anyway).
  const again = request(onMain[0] as FakeSocket);
  main.check(again, again.res);
  assert.equal(again.res.shouldKeepAlive, true);

  (onMain[0] as FakeSocket).close();
  const reconnected = new FakeSocket();
  data.onConnection(reconnected);
  assert.deepEqual(data.shares(), { main: 2, data: 1 });
  const onData = request(reconnected);
  data.check(onData, onData.res);
  assert.equal(onData.res.shouldKeepAlive, true, 'the thread behind keeps its connection');
  const second = request(onMain[1] as FakeSocket);
  main.check(second, second.res);
  assert.equal(second.res.shouldKeepAlive, true, '2 against 1: within one, kept');
  assert.equal(main.moved, 1);
  assert.equal(data.moved, 0);
});

test('one connection alone is never moved', () => {
  const counts = balanceCounters();
  const main = new ConnectionBalance(counts, 0);
  const s = new FakeSocket();
  main.onConnection(s);
  const r = request(s);
  main.check(r, r.res);
  assert.equal(r.res.shouldKeepAlive, true);
  s.close();
  assert.deepEqual(main.shares(), { main: 0, data: 0 });
});

test('with the data-path thread down nobody is moved, however uneven', () => {
  const counts = balanceCounters();
  setBothServing(counts, true);
  setBothServing(counts, false);
  const main = new ConnectionBalance(counts, 0);
  const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of sockets) main.onConnection(s);
  for (const s of sockets) {
    const r = request(s);
    main.check(r, r.res);
    assert.equal(r.res.shouldKeepAlive, true);
  }
  assert.equal(main.moved, 0);
});

test('recheckAll: connections opened before the thread started are looked at again once', () => {
  const counts = balanceCounters();
  const main = new ConnectionBalance(counts, 0);
  const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of sockets) {
    main.onConnection(s);
    const r = request(s);
    main.check(r, r.res);
    assert.equal(r.res.shouldKeepAlive, true, 'alone: nobody moves');
  }
  setBothServing(counts, true);
  main.recheckAll();
  const kept = sockets.map((s) => {
    const r = request(s);
    main.check(r, r.res);
    if (!r.res.shouldKeepAlive) s.close();
    return r.res.shouldKeepAlive;
  });
  // 4 against 0: the first three are asked to reconnect one by one (3, 2 ... then 1 against 0 stays).
  assert.deepEqual(kept, [false, false, false, true]);
  const again = request(sockets[3] as FakeSocket);
  main.check(again, again.res);
  assert.equal(again.res.shouldKeepAlive, true, 'looked at once per round');
});
