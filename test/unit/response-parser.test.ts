import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_HEAD_BYTES, ResponseParseError, ResponseParser } from '../../src/http/response-parser.js';

/** What the parser reported for one response. */
interface Seen {
  status?: number;
  headers?: string[];
  body: string;
  ends: boolean[];
}

function parserOf(noBody = false): { parser: ResponseParser; seen: Seen } {
  const seen: Seen = { body: '', ends: [] };
  const parser = new ResponseParser(
    {
      onHead: (status, headers) => Object.assign(seen, { status, headers }),
      onBody: (chunk) => void (seen.body += chunk.toString('latin1')),
      onEnd: (reusable) => void seen.ends.push(reusable),
    },
    noBody,
  );
  return { parser, seen };
}

/** Fed whole, and fed split at every byte: the same result each way. */
function parseEveryWay(text: string, noBody = false): Seen {
  const whole = parserOf(noBody);
  whole.parser.feed(Buffer.from(text, 'latin1'));
  for (let cut = 1; cut < text.length; cut++) {
    const split = parserOf(noBody);
    split.parser.feed(Buffer.from(text.slice(0, cut), 'latin1'));
    split.parser.feed(Buffer.from(text.slice(cut), 'latin1'));
    assert.deepEqual(split.seen, whole.seen, `split at ${cut}`);
  }
  return whole.seen;
}

describe('ResponseParser', () => {
  it('reads a Content-Length answer; its connection may be reused', () => {
    const seen = parseEveryWay(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello',
    );
    assert.deepEqual(seen, {
      status: 200,
      headers: ['Content-Type', 'text/plain', 'Content-Length', '5'],
      body: 'hello',
      ends: [true],
    });
  });

  it('decodes a chunked answer, extensions and trailers dropped', () => {
    const seen = parseEveryWay(
      'HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n',
    );
    assert.equal(seen.status, 201);
    assert.equal(seen.body, 'hello world');
    assert.deepEqual(seen.ends, [true]);
  });

  it('skips 100 Continue and 103 Early Hints; refuses an upgrade nobody asked for', () => {
    const seen = parseEveryWay(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    assert.equal(seen.status, 200);
    assert.equal(seen.body, 'ok');
    assert.throws(
      () => parserOf().parser.feed(Buffer.from('HTTP/1.1 101 Switching Protocols\r\n\r\n')),
      ResponseParseError,
    );
  });

  it('has no body after HEAD, 204 and 304, whatever the headers say', () => {
    assert.deepEqual(parseEveryWay('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', true).ends, [true]);
    assert.deepEqual(parseEveryWay('HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n').ends, [true]);
    assert.deepEqual(parseEveryWay('HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n').ends, [
      true,
    ]);
  });

  it('reads an unframed answer until the connection closes, and never reuses that connection', () => {
    const { parser, seen } = parserOf();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n\r\npart one, '));
    parser.feed(Buffer.from('part two'));
    assert.deepEqual(seen.ends, []);
    parser.end();
    assert.equal(seen.body, 'part one, part two');
    assert.deepEqual(seen.ends, [false]);
  });

  it('reuses a connection only as HTTP/1.x allows: Connection close, HTTP/1.0, both framings', () => {
    assert.deepEqual(
      parseEveryWay('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').ends,
      [false],
    );
    assert.deepEqual(parseEveryWay('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').ends, [false]);
    assert.deepEqual(
      parseEveryWay('HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n').ends,
      [true],
    );
    const both = parseEveryWay(
      'HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    );
    assert.equal(both.body, 'ok', 'Transfer-Encoding wins');
    assert.deepEqual(both.ends, [false]);
  });

  it('bytes after the answer make its connection unfit for reuse', () => {
    const { parser, seen } = parserOf();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA'));
    assert.equal(seen.body, 'ok');
    assert.deepEqual(seen.ends, [false]);
  });

  it('refuses malformed answers rather than guessing', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 2000 OK\r\n\r\n',
      'garbage\r\n\r\n',
      'HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n',
    ];
    for (const text of bad)
      assert.throws(
        () => parserOf().parser.feed(Buffer.from(text, 'latin1')),
        ResponseParseError,
        JSON.stringify(text),
      );
  });

  it('bounds what it holds: an endless head is refused', () => {
    const { parser } = parserOf();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\n'));
    assert.throws(() => parser.feed(Buffer.alloc(MAX_HEAD_BYTES, 'a')), /longer than/);
  });

  it('an answer cut short is an error at the connection end', () => {
    const { parser } = parserOf();
    parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
    assert.throws(() => parser.end(), /closed before the answer was complete/);
  });
});
