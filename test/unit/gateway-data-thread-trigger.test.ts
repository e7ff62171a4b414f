import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusyTrigger } from '../../src/gateway/data-thread-trigger.js';

const OPTS = {
  sampleMs: 1000,
  busyAbove: 0.5,
  busySamples: 2,
  minInvocationsPerSecond: 100,
  idleStopMs: 3000,
};

test('the thread starts after enough busy samples in a row, and stops after a quiet spell', () => {
  const cases: {
    name: string;
    samples: [utilisation: number, running: boolean, served: boolean, invocations?: number][];
    want: (string | undefined)[];
  }[] = [
    {
      name: 'one busy sample is not enough; two in a row start it',
      samples: [
        [0.9, false, false, 500],
        [0.1, false, false, 500],
        [0.9, false, false, 500],
        [0.8, false, false, 500],
      ],
      want: [undefined, undefined, undefined, 'start'],
    },
    {
      name: 'busy with something else than invocations (a deploy): not started',
      samples: [
        [0.9, false, false, 0],
        [0.9, false, false, 99],
        [0.9, false, false, 10],
      ],
      want: [undefined, undefined, undefined],
    },
    {
      name: 'a running thread that serves, or a busy main thread, keeps it running',
      samples: [
        [0.1, true, true],
        [0.1, true, false],
        [0.9, true, false],
        [0.1, true, false],
        [0.1, true, false],
      ],
      want: [undefined, undefined, undefined, undefined, undefined],
    },
    {
      name: 'quiet for idleStopMs: it stops',
      samples: [
        [0.1, true, false],
        [0.1, true, false],
        [0.1, true, false],
      ],
      want: [undefined, undefined, 'stop'],
    },
  ];
  for (const c of cases) {
    const t = new BusyTrigger(OPTS);
    assert.deepEqual(
      c.samples.map(([u, r, s, n]) => t.sample(u, r, s, n)),
      c.want,
      c.name,
    );
  }
});
