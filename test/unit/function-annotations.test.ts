import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionAnnotationsReader } from '../../src/provider/function-status.js';
import { DEPLOYMENT_ANNOTATION } from '../../src/provider/deployment.js';
import { FakeStatusHost } from '../helpers/fake-status-host.js';

/** A function's container whose spec carries its stored deployment, as deploy writes it. */
function withDeployment(host: FakeStatusHost, name: string, annotations?: Record<string, string>): void {
  host.add(name, '10.0.0.2');
  const record = host.records.at(-1);
  assert.ok(record);
  const dep = { service: name, image: 'example.test/fn:1', namespace: 'ns', annotations };
  const spec = { annotations: { [DEPLOYMENT_ANNOTATION]: JSON.stringify(dep) } };
  record.spec = {
    typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec',
    value: Buffer.from(JSON.stringify(spec)),
  };
}

/**
 * What cron triggers read every 5 s (issue #16): every function's annotations, from the kept container
 * list alone. Through the full list each refresh read every replica's memory and asked for addresses.
 */
describe('FunctionAnnotationsReader', () => {
  it('answers every function with its annotations, and nothing per replica', async () => {
    const host = new FakeStatusHost();
    withDeployment(host, 'tick', { topic: 'cron-function', schedule: '*/5 * * * *' });
    withDeployment(host, 'plain');
    for (let i = 0; i < 100; i++) withDeployment(host, `f${i}`, { team: 'density' });

    const got = await new FunctionAnnotationsReader(host).read(['ns']);

    assert.equal(got.length, 102);
    assert.deepEqual(
      got.find((f) => f.name === 'tick'),
      { name: 'tick', namespace: 'ns', annotations: { topic: 'cron-function', schedule: '*/5 * * * *' } },
    );
    assert.equal(got.find((f) => f.name === 'plain')?.annotations, undefined);
    // One List of the namespace; no address read, no address or task lookup per replica.
    assert.deepEqual(host.calls, { lists: 1, addressReads: 0, ipLookups: 0, taskLookups: 0 });
  });

  it('parses a container once per version, and forgets a removed function', async () => {
    const host = new FakeStatusHost();
    withDeployment(host, 'tick', { topic: 'cron-function', schedule: '*/5 * * * *' });
    withDeployment(host, 'other', { team: 'density' });
    const reader = new FunctionAnnotationsReader(host);
    await reader.read(['ns']);
    // Each List decodes new record objects; one of the same version is not parsed again (this
    // one's spec would not even parse).
    const tick = host.records[0];
    assert.ok(tick);
    host.records[0] = { ...tick, spec: { typeUrl: '', value: Buffer.from('not json') } };
    host.records.splice(1, 1);
    host.cache.invalidate('ns');

    assert.deepEqual(await reader.read(['ns']), [
      { name: 'tick', namespace: 'ns', annotations: { topic: 'cron-function', schedule: '*/5 * * * *' } },
    ]);
  });
});
