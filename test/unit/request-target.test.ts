import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRequestTarget, parseRequestUrl } from '../../src/http/index.js';
import { MalformedUrlError } from '../../src/http/url.js';

/** What parseRequestUrl answers: the path and query, or the error's class name. */
function viaUrl(target: string): unknown {
  try {
    const u = parseRequestUrl(target, 'http://gateway');
    return { pathname: u.pathname, search: u.search };
  } catch (err) {
    return (err as Error).constructor.name;
  }
}

function viaTarget(target: string): unknown {
  try {
    const t = parseRequestTarget(target, 'http://gateway');
    return { pathname: t.pathname, search: t.search };
  } catch (err) {
    return (err as Error).constructor.name;
  }
}

describe('parseRequestTarget: the hot path answers as URL does', () => {
  const cases = [
    { name: 'a plain invocation', input: '/function/fn', want: { pathname: '/function/fn', search: '' } },
    {
      name: 'a namespace, a sub-path and a query with escapes',
      input: '/function/fn.ns/a/b?x=1&y=%20',
      want: { pathname: '/function/fn.ns/a/b', search: '?x=1&y=%20' },
    },
    {
      name: 'dot segments are resolved',
      input: '/function/fn/../x',
      want: { pathname: '/function/x', search: '' },
    },
    { name: 'a quote in the query is escaped', input: "/f?a'b", want: { pathname: '/f', search: '?a%27b' } },
    { name: 'an empty query', input: '/f?', want: { pathname: '/f', search: '' } },
    { name: 'a malformed escape in the query', input: '/function/fn?x=%2', want: 'MalformedUrlError' },
    { name: 'a malformed escape in the path', input: '/function/%E0%A4%A', want: 'MalformedUrlError' },
  ];
  for (const c of cases)
    it(c.name, () => {
      assert.deepEqual(viaTarget(c.input), c.want);
      assert.deepEqual(viaUrl(c.input), c.want);
    });

  it('agrees with parseRequestUrl on 20,000 generated targets', () => {
    // Characters URL treats specially (escapes, dots, quotes, brackets) more often than plain ones.
    const alphabet = '/.?%#\'\\"<>`{}|^[] a0Z-_~!$&()*+,;=:@2F41';
    let seed = 12345; // a fixed seed: the same targets every run
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 20_000; i++) {
      let target = '/';
      for (let n = Math.floor(next() * 12); n > 0; n--)
        target += alphabet[Math.floor(next() * alphabet.length)];
      assert.deepEqual(viaTarget(target), viaUrl(target), JSON.stringify(target));
    }
  });

  it('throws the class the error mapping knows', () => {
    assert.throws(() => parseRequestTarget('/f?x=%zz', 'http://gateway'), MalformedUrlError);
  });
});
