import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, resolveConfig } from '../../src/config/index.js';
import { exitCodeOf } from '../../src/cli/run.js';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';

describe('config precedence', () => {
  it('flag > env > file > default', () => {
    const file = { bridge: 'from-file', subnet: '10.1.0.0/16', namespace: 'file-ns' };
    const env = { FAASD_BRIDGE: 'from-env', FAASD_NAMESPACE: 'env-ns' };
    const cfg = resolveConfig({ namespace: 'flag-ns' }, env, file);
    assert.equal(cfg.namespace, 'flag-ns');
    assert.equal(cfg.bridge, 'from-env');
    assert.equal(cfg.subnet, '10.1.0.0/16');
    assert.equal(cfg.address, DEFAULTS.address);
  });
  it('splits list settings from the environment', () => {
    const cfg = resolveConfig({}, { CNI_PATH: '/a:/b', FAASD_INSECURE_REGISTRIES: 'r1:5000,r2' }, {});
    assert.deepEqual(cfg.cniBinDirs, ['/a', '/b']);
    assert.deepEqual(cfg.insecureRegistries, ['r1:5000', 'r2']);
  });
  it('an undefined flag does not hide the environment', () => {
    assert.equal(
      resolveConfig({ address: undefined } as never, { CONTAINERD_ADDRESS: '/x.sock' }, {}).address,
      '/x.sock',
    );
  });
});

describe('exit codes', () => {
  it('map error kinds', () => {
    assert.equal(exitCodeOf(new InvalidArgumentError('f', 'bad')), 2);
    assert.equal(exitCodeOf(new NotFoundError('image', 'x')), 3);
    assert.equal(exitCodeOf(new Error('x')), 1);
  });
});
