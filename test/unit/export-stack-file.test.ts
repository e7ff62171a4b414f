import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { InvalidArgumentError } from '../../src/errors.js';
import {
  buildStackFile,
  cpuForKubernetes,
  memoryForKubernetes,
  renderStackFile,
} from '../../src/export/stack-file.js';
import type { FunctionStatus } from '../../src/provider/index.js';

const status = (over: Partial<FunctionStatus>): FunctionStatus => ({
  name: 'fn',
  image: 'ghcr.io/acme/fn:1.0',
  namespace: 'openfaas-fn',
  invocationCount: 4,
  replicas: 1,
  availableReplicas: 1,
  ...over,
});

describe('faasd export: stack file', () => {
  it('writes memory exactly in a unit Kubernetes takes: Mi first', () => {
    const cases: [string, string][] = [
      ['128Mi', '128Mi'],
      ['1Gi', '1024Mi'],
      ['134217728', '128Mi'],
      ['1G', '1G'],
      ['100M', '100M'],
      ['4500k', '4500k'],
      ['4194305', '4194305'],
      ['6000Ki', '6000Ki'],
    ];
    for (const [input, want] of cases) assert.equal(memoryForKubernetes('limits.memory', input), want, input);
  });

  it('writes CPU in millicores, rounding a fraction of 1m up', () => {
    const cases: [string, string][] = [
      ['500m', '500m'],
      ['1', '1000m'],
      ['0.25', '250m'],
      ['1.5', '1500m'],
      ['0.0005', '1m'],
    ];
    for (const [input, want] of cases) assert.equal(cpuForKubernetes('limits.cpu', input), want, input);
  });

  it('maps every deploy field to faas-cli stack names and leaves out the live ones', () => {
    const stack = buildStackFile(
      [
        status({
          name: 'env',
          envProcess: 'node index.js',
          envVars: { GREETING: 'hi', EMPTY: '', NUM: '0777' },
          labels: { 'com.openfaas.scale.min': '1' },
          annotations: { topic: 'cron-function', schedule: '*/5 * * * *', async: 'true' },
          secrets: ['db-password'],
          limits: { memory: '128Mi', cpu: '500m' },
          requests: { memory: '64Mi', cpu: '0.1' },
          constraints: ['node.platform.os == linux'],
          readOnlyRootFilesystem: true,
          createdAt: '2026-01-01T00:00:00Z',
          usage: { totalMemoryBytes: 5 },
        }),
        status({ name: 'bare', namespace: 'team' }),
      ],
      'http://127.0.0.1:8080',
    );
    const text = renderStackFile(stack);
    const back = parse(text) as Record<string, unknown>;
    assert.deepEqual(back, {
      version: '1.0',
      provider: { name: 'openfaas', gateway: 'http://127.0.0.1:8080' },
      functions: {
        env: {
          image: 'ghcr.io/acme/fn:1.0',
          namespace: 'openfaas-fn',
          fprocess: 'node index.js',
          environment: { GREETING: 'hi', EMPTY: '', NUM: '0777' },
          secrets: ['db-password'],
          labels: { 'com.openfaas.scale.min': '1' },
          annotations: { topic: 'cron-function', schedule: '*/5 * * * *', async: 'true' },
          limits: { memory: '128Mi', cpu: '500m' },
          requests: { memory: '64Mi', cpu: '100m' },
          constraints: ['node.platform.os == linux'],
          readonly_root_filesystem: true,
          skip_build: true,
        },
        bare: { image: 'ghcr.io/acme/fn:1.0', namespace: 'team', skip_build: true },
      },
    });
    // Strings stay strings for a YAML 1.1 reader (Go's): "1.0", "true" and "0777" are quoted.
    assert.match(text, /^version: "1\.0"$/m);
    assert.match(text, /async: "true"/);
    assert.match(text, /NUM: "0777"/);
  });

  it('refuses one name in two namespaces, naming both', () => {
    assert.throws(
      () => buildStackFile([status({ namespace: 'a' }), status({ namespace: 'b' })], 'http://gw'),
      (err: unknown) =>
        err instanceof InvalidArgumentError && err.message.includes('"a"') && err.message.includes('"b"'),
    );
  });
});
