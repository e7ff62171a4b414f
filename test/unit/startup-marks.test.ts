import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StartupMarks, parseStartupMarks } from '../../src/daemon/startup-marks.js';
import { ManualClock } from '../helpers/manual-clock.js';

describe("faasd up's start-up marks", () => {
  it('logs each step as ms since the clock origin, in the order reached, and reads them back', () => {
    const clock = new ManualClock(180.4);
    const marks = new StartupMarks(clock);
    marks.mark('config');
    clock.advance(41.3);
    marks.mark('containerd');
    clock.advance(160);
    marks.mark('listen');
    assert.deepEqual(marks.fields(), { config_ms: 180, containerd_ms: 222, listen_ms: 382 });
    assert.deepEqual(Object.keys(marks.fields()), ['config_ms', 'containerd_ms', 'listen_ms']);
    const line = `2026-11-27T02:50:00.000Z info faasd up: stack is up core=nats,prometheus ${Object.entries(
      marks.fields(),
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`;
    assert.deepEqual(parseStartupMarks(line), { config: 180, containerd: 222, listen: 382 });
  });

  const cases = [
    { name: 'no marks', input: 'info faasd up: stack is up core=nats', want: {} },
    {
      name: 'other fields around the marks',
      input: 'info faasd up: stack is up gateway=in-process listen_ms=212 core=nats core_ms=640',
      want: { listen: 212, core: 640 },
    },
    { name: 'a value that is not whole ms', input: 'x listen_ms=21.5 core_ms=abc', want: {} },
    { name: 'ms inside another word', input: 'path=/tmp/x_ms=3/y', want: {} },
  ];
  for (const c of cases) {
    it(`parses: ${c.name}`, () => assert.deepEqual(parseStartupMarks(c.input), c.want));
  }
});
