import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, type FaasdConfig } from '../../src/config/index.js';
import * as paths from '../../src/config/paths.js';
import { networkFromConfig } from '../../src/network/index.js';

describe('paths derived from the configuration', () => {
  const cfg: FaasdConfig = {
    ...DEFAULTS,
    stateDir: '/srv/state',
    providerDir: '/srv/provider',
    cniConfDir: '/srv/cni',
  };

  const cases: { name: keyof typeof paths; want: string }[] = [
    { name: 'coreSecretsDir', want: '/srv/state/secrets' },
    { name: 'coreLogDir', want: '/srv/state/logs' },
    { name: 'defaultComposeFile', want: '/srv/state/docker-compose.yaml' },
    { name: 'prometheusConfigFile', want: '/srv/state/prometheus.yml' },
    { name: 'natsDataDir', want: '/srv/state/nats' },
    { name: 'prometheusDataDir', want: '/srv/state/prometheus' },
    { name: 'hostsFile', want: '/srv/state/hosts' },
    { name: 'resolvConfFile', want: '/srv/state/resolv.conf' },
    { name: 'shimWrapperFile', want: '/srv/state/bin/containerd-shim-runc-v2-mntns' },
    { name: 'codeCacheFile', want: '/srv/state/cache/faasd.v8' },
    { name: 'networkStateDir', want: '/srv/state/network' },
    { name: 'ipamStoreFile', want: '/srv/state/network/ipam.json' },
    { name: 'cniStateDir', want: '/srv/state/cni' },
    { name: 'cniIpamDataDir', want: '/srv/state/cni/networks' },
    { name: 'conflistFile', want: '/srv/cni/10-openfaas.conflist' },
    { name: 'functionSecretsDir', want: '/srv/provider/secrets' },
    { name: 'functionLogDir', want: '/srv/provider/logs' },
  ];
  for (const c of cases) {
    it(`${c.name} is ${c.want}`, () => assert.equal(paths[c.name](cfg), c.want));
  }

  it('every exported path is in the table above', () => {
    assert.deepEqual(Object.keys(paths).sort(), cases.map((c) => c.name).sort());
  });

  it('the network keeps its files where the paths say', () => {
    const network = networkFromConfig(cfg);
    assert.equal(network.store.path, paths.ipamStoreFile(cfg));
    assert.equal(network.hostsPath, paths.hostsFile(cfg));
    assert.equal(network.resolvPath, paths.resolvConfFile(cfg));
  });
});
