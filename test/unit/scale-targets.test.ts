import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionStatuses } from '../../src/provider/function-status.js';
import { Readiness } from '../../src/provider/readiness.js';
import { LoadTracker } from '../../src/provider/balancer.js';
import { DEPLOYMENT_ANNOTATION } from '../../src/provider/deployment.js';
import { FakeStatusHost } from '../helpers/fake-status-host.js';
import { FakeProbe } from '../helpers/fake-functions.js';
import { quietLogger } from '../helpers/edge-fakes.js';

/** Sets the stored deployment (its labels) of container `id`, as a version updated at `second`. */
function deployed(host: FakeStatusHost, id: string, labels: Record<string, string>, second: number): void {
  const i = host.records.findIndex((r) => r.id === id);
  const old = host.records[i];
  assert.ok(old);
  const dep = { service: id, image: old.image, namespace: 'ns', labels };
  const spec = { annotations: { [DEPLOYMENT_ANNOTATION]: JSON.stringify(dep) } };
  // A new record object, as every List decodes one.
  host.records[i] = {
    ...old,
    spec: {
      typeUrl: 'types.containerd.io/opencontainers/runtime-spec/1/Spec',
      value: Buffer.from(JSON.stringify(spec)),
    },
    updatedAt: { seconds: second, nanos: 0 },
  };
  host.cache.invalidate('ns');
}

/**
 * The autoscaler's targets (issue #16): a policy is read once per container version, not on every
 * tick, and a new version (an update that changed the scaling labels) is read again.
 */
describe('FunctionStatuses.scaleTargets', () => {
  const statusesOf = (host: FakeStatusHost) =>
    new FunctionStatuses({
      host,
      readiness: new Readiness({
        probe: new FakeProbe().probe,
        runningPid: () => Promise.resolve(undefined),
        port: 8080,
        log: quietLogger(),
      }),
      load: new LoadTracker(),
    });

  it('follows a changed policy, keeps an unchanged one, and forgets a removed function', async () => {
    const host = new FakeStatusHost();
    host.add('a', '10.0.0.2');
    host.add('b', '10.0.0.3');
    deployed(host, 'a', { 'com.openfaas.scale.zero': 'true', 'com.openfaas.scale.max': '7' }, 1);
    deployed(host, 'b', {}, 1);
    const statuses = statusesOf(host);
    const policyOf = async (name: string) =>
      (await statuses.scaleTargets(['ns'])).find((t) => t.name === name)?.policy;

    assert.equal((await policyOf('a'))?.zero, true);
    assert.equal((await policyOf('a'))?.max, 7);
    assert.equal((await policyOf('b'))?.zero, false);

    // Every List decodes new record objects; one of the same version is not parsed again (this one's
    // spec would not even parse).
    const a = host.records[0];
    assert.ok(a);
    host.records[0] = { ...a, spec: { ...a.spec, value: Buffer.from('not json') } };
    host.cache.invalidate('ns');
    assert.equal((await policyOf('a'))?.max, 7);

    deployed(host, 'a', { 'com.openfaas.scale.max': '3' }, 2);
    assert.equal((await policyOf('a'))?.zero, false);
    assert.equal((await policyOf('a'))?.max, 3);

    host.records.splice(0, 1);
    host.cache.invalidate('ns');
    assert.deepEqual(
      (await statuses.scaleTargets(['ns'])).map((t) => t.name),
      ['b'],
    );
  });
});
