import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SERVER_LIMIT_DEFAULTS } from '../../src/http/index.js';
import { serveGateway } from '../../src/gateway/index.js';
import { FakeBackend } from '../helpers/daemon-fakes.js';
import { quietLogger } from '../helpers/edge-fakes.js';

describe('serveGateway when its port is taken', () => {
  it('fails with the listen error even while NATS has no address yet (the daemon starts NATS later)', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as AddressInfo).port;
    try {
      // The daemon's NATS address settles only after the core starts, which waits for this gateway.
      const never = new Promise<string | undefined>(() => undefined);
      await assert.rejects(
        serveGateway({
          backend: new FakeBackend(new Set()),
          credentials: { user: 'admin', password: 'secret' },
          natsUrl: never,
          prometheusUrl: undefined,
          defaultNamespace: 'openfaas-fn',
          scaleFromZeroTimeoutMs: 1000,
          listen: [{ host: '127.0.0.1', port }],
          limits: SERVER_LIMIT_DEFAULTS,
          log: quietLogger(),
        }),
        /EADDRINUSE/,
      );
    } finally {
      await new Promise<void>((r) => taken.close(() => r()));
    }
  });
});
