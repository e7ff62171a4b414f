import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.js';
import { createLimitedServer, type ServerLimits } from './limits.js';

/** One http.Server per address, all with the same handler; resolves with the bound ports. */
export async function listenAll(
  hosts: string[],
  port: number,
  handle: Parameters<typeof createLimitedServer>[0],
  limits: ServerLimits,
  log: Logger,
): Promise<{ servers: Server[]; ports: number[]; close(): void }> {
  const servers: Server[] = [];
  const ports: number[] = [];
  const close = () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
  };
  try {
    for (const host of hosts) {
      const s = createLimitedServer(handle, limits);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, host, () => resolve());
      });
      servers.push(s);
      const bound = (s.address() as AddressInfo).port;
      ports.push(bound);
      log.info('listening', { address: `${host}:${bound}` });
    }
  } catch (err) {
    close();
    throw err;
  }
  return { servers, ports, close };
}
