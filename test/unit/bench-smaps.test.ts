import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSmaps } from '../../bench/smaps.js';

const SMAPS = `55d0c0000000-55d0c2000000 r-xp 00000000 08:01 1234   /usr/bin/node
Rss:               30000 kB
Pss:                3000 kB
Anonymous:             0 kB
55d0c4000000-55d0c6000000 rw-p 00000000 00:00 0      [heap]
Rss:                4096 kB
Pss:                4096 kB
Anonymous:          4096 kB
7f0000000000-7f0001000000 rw-p 00000000 00:00 0
Rss:                2048 kB
Pss:                2048 kB
Anonymous:          2048 kB
7f0002000000-7f0003000000 rw-p 00000000 00:00 0
Rss:                1024 kB
Pss:                1024 kB
Anonymous:          1024 kB
7f0004000000-7f0004100000 r--p 00001000 08:01 1234   /usr/bin/node
Rss:                1024 kB
Pss:                 512 kB
Anonymous:             0 kB
`;

describe('bench: a daemon memory by mapping (/proc/PID/smaps)', () => {
  it('sums per file and the anonymous mappings together, largest PSS first', () => {
    const { total, rows } = parseSmaps(SMAPS);
    assert.deepEqual(rows, [
      { name: '[heap]', pssMb: 4, rssMb: 4, anonMb: 4 },
      { name: '/usr/bin/node', pssMb: 3.4, rssMb: 30.3, anonMb: 0 },
      { name: '[anon]', pssMb: 3, rssMb: 3, anonMb: 3 },
    ]);
    assert.deepEqual(total, { name: 'total', pssMb: 10.4, rssMb: 37.3, anonMb: 7 });
  });
});
