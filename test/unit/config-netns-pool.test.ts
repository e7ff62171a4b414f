import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/index.js';
import { InvalidArgumentError } from '../../src/errors.js';

const quiet = () => undefined;

describe('config: netnsPool (FAASD_NETNS_POOL)', () => {
  it('defaults to 2', () => {
    assert.equal(resolveConfig({}, {}, {}, quiet).netnsPool, 2);
  });

  const cases = [
    { name: 'off', input: '0', want: 0 },
    { name: 'the bound', input: '8', want: 8 },
    { name: 'over the bound', input: '9', want: undefined },
    { name: 'negative', input: '-1', want: undefined },
    { name: 'not a number', input: 'two', want: undefined },
  ];
  for (const c of cases)
    it(`${c.name}: ${c.input}`, () => {
      const read = () => resolveConfig({}, { FAASD_NETNS_POOL: c.input }, {}, quiet).netnsPool;
      if (c.want !== undefined) return assert.equal(read(), c.want);
      assert.throws(read, (err: unknown) => err instanceof InvalidArgumentError && err.field === 'netnsPool');
    });
});
