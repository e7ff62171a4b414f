import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, OVERFLOW_LABEL } from '../../src/http/metrics.js';

const OBSERVED: [string, number, number][] = [
  ['a.openfaas-fn', 200, 0.001],
  ['a.openfaas-fn', 200, 0.3],
  ['a.openfaas-fn', 502, 0.02],
  ['b.openfaas-fn', 200, 7],
];

test("a thread's taken counts merged into the main thread's render as if observed there", () => {
  const direct = new Metrics();
  const main = new Metrics();
  const worker = new Metrics();
  for (const [i, [fn, code, s]] of OBSERVED.entries()) {
    direct.observe(fn, code, s);
    (i % 2 ? main : worker).observe(fn, code, s);
  }
  main.merge(worker.take());
  assert.equal(main.render('gateway'), direct.render('gateway'));
  assert.equal(worker.size, 0, 'take() forgets what it handed over');
  assert.deepEqual(worker.take(), []);
  // A second batch adds on.
  worker.observe('a.openfaas-fn', 200, 0.001);
  direct.observe('a.openfaas-fn', 200, 0.001);
  main.merge(worker.take());
  assert.equal(main.render('gateway'), direct.render('gateway'));
});

test('merged series stay under the bound: past it they go to the overflow series', () => {
  const main = new Metrics(2);
  const worker = new Metrics();
  for (const fn of ['a', 'b', 'c', 'd']) worker.observe(fn, 200, 0.01);
  main.merge(worker.take());
  assert.equal(main.size, 3);
  assert.match(
    main.render('gateway'),
    new RegExp(`function_name="${OVERFLOW_LABEL}",code="${OVERFLOW_LABEL}"} 2\\n`),
  );
});
