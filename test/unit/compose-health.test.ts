import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ComposeError } from '../../src/supervisor/compose-errors.js';
import { parseCompose, type ServiceSpec } from '../../src/supervisor/compose.js';
import { parseDuration } from '../../src/supervisor/compose-health.js';

const one = (service: string): ServiceSpec => {
  const [s] = parseCompose(`services:\n  a:\n    image: x\n${service}`, '/w', {});
  assert.ok(s);
  return s;
};

function composeError(fn: () => unknown): ComposeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ComposeError, String(err));
    return err;
  }
  assert.fail('no error');
}

describe('compose restart:', () => {
  const cases = [
    { name: 'missing: always, as faasd core services always ran', yaml: '', want: 'always' },
    { name: 'always', yaml: '    restart: always\n', want: 'always' },
    { name: 'on-failure', yaml: '    restart: on-failure\n', want: 'on-failure' },
    { name: 'quoted no', yaml: '    restart: "no"\n', want: 'no' },
    { name: 'unquoted no (YAML 1.1 false)', yaml: '    restart: no\n', want: 'no' },
    { name: 'unless-stopped', yaml: '    restart: unless-stopped\n', want: 'unless-stopped' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(one(c.yaml).restart, c.want));

  for (const bad of ['sometimes', 'on-failure:3', '1']) {
    it(`refuses ${bad}, naming the field and value`, () => {
      const err = composeError(() => one(`    restart: "${bad}"\n`));
      assert.equal(err.field, 'restart');
      assert.equal(err.service, 'a');
      assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
    });
  }
});

describe('compose healthcheck:', () => {
  it('reads CMD with every timing, in Go duration syntax', () => {
    const s = one(`    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1m30s
      timeout: 500ms
      retries: 5
      start_period: 1.5s
      start_interval: 250ms
`);
    assert.deepEqual(s.healthcheck, {
      test: ['test', '-f', '/tmp/ready'],
      intervalMs: 90_000,
      timeoutMs: 500,
      retries: 5,
      startPeriodMs: 1_500,
      startIntervalMs: 250,
    });
  });

  const tests = [
    {
      name: 'CMD-SHELL runs with the shell',
      test: '["CMD-SHELL", "wget -q -O- http://127.0.0.1:8080/ || exit 1"]',
      want: ['/bin/sh', '-c', 'wget -q -O- http://127.0.0.1:8080/ || exit 1'],
    },
    { name: 'a string is CMD-SHELL', test: '"test -f /tmp/x"', want: ['/bin/sh', '-c', 'test -f /tmp/x'] },
    {
      name: 'CMD-SHELL words are joined as docker does',
      test: '["CMD-SHELL", "test", "-f /x"]',
      want: ['/bin/sh', '-c', 'test -f /x'],
    },
  ];
  for (const t of tests) {
    it(t.name, () => {
      const s = one(`    healthcheck:\n      test: ${t.test}\n`);
      assert.deepEqual(s.healthcheck?.test, t.want);
      // docker's defaults
      assert.deepEqual(
        [
          s.healthcheck?.intervalMs,
          s.healthcheck?.timeoutMs,
          s.healthcheck?.retries,
          s.healthcheck?.startPeriodMs,
        ],
        [30_000, 30_000, 3, 0],
      );
    });
  }

  it('NONE and disable: true mean no health check', () => {
    assert.equal(one('    healthcheck:\n      test: ["NONE"]\n').healthcheck, undefined);
    assert.equal(
      one('    healthcheck:\n      test: ["CMD", "x"]\n      disable: true\n').healthcheck,
      undefined,
    );
  });

  it("0 retries and a 0 interval take docker's defaults", () => {
    const s = one('    healthcheck:\n      test: ["CMD", "x"]\n      retries: 0\n      interval: "0"\n');
    assert.equal(s.healthcheck?.retries, 3);
    assert.equal(s.healthcheck?.intervalMs, 30_000);
  });

  const bad = [
    { name: 'no test', yaml: '      interval: 1s\n', field: 'healthcheck.test' },
    { name: 'an unknown first word', yaml: '      test: ["RUN", "x"]\n', field: 'healthcheck.test' },
    { name: 'CMD without a command', yaml: '      test: ["CMD"]\n', field: 'healthcheck.test' },
    { name: 'an empty string test', yaml: '      test: ""\n', field: 'healthcheck.test' },
    {
      name: 'a number as interval',
      yaml: '      test: ["CMD", "x"]\n      interval: 30\n',
      field: 'healthcheck.interval',
    },
    {
      name: 'a duration without a unit',
      yaml: '      test: ["CMD", "x"]\n      timeout: "30"\n',
      field: 'healthcheck.timeout',
    },
    {
      name: 'a duration over a day',
      yaml: '      test: ["CMD", "x"]\n      start_period: 25h\n',
      field: 'healthcheck.start_period',
    },
    {
      name: 'an interval under 10 ms',
      yaml: '      test: ["CMD", "x"]\n      interval: 1ms\n',
      field: 'healthcheck.interval',
    },
    {
      name: 'negative retries',
      yaml: '      test: ["CMD", "x"]\n      retries: -1\n',
      field: 'healthcheck.retries',
    },
    {
      name: 'fractional retries',
      yaml: '      test: ["CMD", "x"]\n      retries: 1.5\n',
      field: 'healthcheck.retries',
    },
    {
      name: 'an unknown key',
      yaml: '      test: ["CMD", "x"]\n      period: 1s\n',
      field: 'healthcheck.period',
    },
  ];
  for (const b of bad) {
    it(`refuses ${b.name}`, () => {
      assert.equal(composeError(() => one(`    healthcheck:\n${b.yaml}`)).field, b.field);
    });
  }
});

describe('Go durations', () => {
  const cases = [
    { input: '0', want: 0 },
    { input: '30s', want: 30_000 },
    { input: '1h2m3s', want: 3_723_000 },
    { input: '1.5s', want: 1_500 },
    { input: '.5s', want: 500 },
    { input: '2500us', want: 3 },
    { input: '1000000ns', want: 1 },
  ];
  for (const c of cases) it(c.input, () => assert.equal(parseDuration('a', 'f', c.input), c.want));
  for (const bad of ['', 's', '1', '1d', '-1s', '1s ', '1 s', 'x1s'])
    it(`refuses ${JSON.stringify(bad)}`, () =>
      assert.throws(() => parseDuration('a', 'f', bad), ComposeError));
});

describe('compose depends_on conditions', () => {
  const two = (dependant: string, dependency = '') =>
    parseCompose(`services:\n  db:\n    image: x\n${dependency}  app:\n    image: x\n${dependant}`, '/w', {});

  it('the list form: every dependency service_started', () => {
    const app = two('    depends_on: [db]\n')[1];
    assert.deepEqual(app?.dependsOn, ['db']);
    assert.deepEqual(app?.conditions, { db: 'service_started' });
  });

  it('the map form, each condition', () => {
    for (const condition of ['service_started', 'service_healthy', 'service_completed_successfully']) {
      const app = two(
        `    depends_on:\n      db:\n        condition: ${condition}\n`,
        '    healthcheck:\n      test: ["CMD", "true"]\n',
      )[1];
      assert.deepEqual(app?.dependsOn, ['db']);
      assert.deepEqual(app?.conditions, { db: condition });
    }
  });

  const bad = [
    {
      name: 'an unknown condition',
      yaml: '    depends_on:\n      db:\n        condition: service_ready\n',
      field: 'depends_on.db.condition',
    },
    {
      name: 'service_healthy on a service without a healthcheck',
      yaml: '    depends_on:\n      db:\n        condition: service_healthy\n',
      field: 'depends_on.db.condition',
    },
    {
      name: 'an unsupported key',
      yaml: '    depends_on:\n      db:\n        condition: service_started\n        restart: true\n',
      field: 'depends_on.db.restart',
    },
    { name: 'a number', yaml: '    depends_on: 3\n', field: 'depends_on' },
  ];
  for (const b of bad) {
    it(`refuses ${b.name}`, () => {
      const err = composeError(() => two(b.yaml));
      assert.equal(err.field, b.field);
      assert.equal(err.service, 'app');
    });
  }
});
