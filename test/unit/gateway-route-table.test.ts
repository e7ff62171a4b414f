import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteTable, SNAPSHOT_LIMITS, routeSnapshot } from '../../src/gateway/route-table.js';

test('the snapshot leaves out draining addresses, and functions left with none', () => {
  const s = routeSnapshot(
    3,
    [
      { namespace: 'openfaas-fn', name: 'a', addresses: ['10.0.0.2', '10.0.0.3'] },
      { namespace: 'openfaas-fn', name: 'b', addresses: ['10.0.0.4'] },
    ],
    (a) => a === '10.0.0.3' || a === '10.0.0.4',
  );
  assert.deepEqual(s, {
    version: 3,
    functions: [{ namespace: 'openfaas-fn', name: 'a', addresses: ['10.0.0.2'] }],
  });
});

test('the snapshot is bounded in functions and addresses', () => {
  const many = Array.from({ length: SNAPSHOT_LIMITS.functions + 5 }, (_, i) => ({
    namespace: 'ns',
    name: `f${i}`,
    addresses: Array.from(
      { length: SNAPSHOT_LIMITS.addressesPerFunction + 3 },
      (_, j) => `10.1.${i % 250}.${j}`,
    ),
  }));
  const s = routeSnapshot(1, many, () => false);
  assert.equal(s.functions.length, SNAPSHOT_LIMITS.functions);
  assert.equal(s.functions[0]?.addresses.length, SNAPSHOT_LIMITS.addressesPerFunction);
});

test('replicas take turns; a function not in the snapshot, or dropped, is not picked', () => {
  const t = new RouteTable();
  t.replace({
    version: 7,
    functions: [{ namespace: 'openfaas-fn', name: 'a', addresses: ['10.0.0.2', '10.0.0.3'] }],
  });
  assert.equal(t.version, 7);
  const picks = [1, 2, 3, 4].map(() => t.pick('openfaas-fn', 'a'));
  assert.deepEqual(picks, ['10.0.0.2', '10.0.0.3', '10.0.0.2', '10.0.0.3']);
  assert.equal(t.pick('other', 'a'), undefined);
  assert.equal(t.pick('openfaas-fn', 'b'), undefined);
  t.drop('openfaas-fn', 'a');
  assert.equal(t.pick('openfaas-fn', 'a'), undefined);
  t.replace({ version: 8, functions: [] });
  assert.equal(t.pick('openfaas-fn', 'a'), undefined);
});
