// Appends N records to an IPAM store, one read-modify-write each: argv[2] = store path, argv[3] = tag, argv[4] = N.
import { IpamStore } from '../../src/network/ipam-store.js';

const store = new IpamStore(process.argv[2] ?? '');
const tag = process.argv[3] ?? 'w';
const n = Number(process.argv[4] ?? '10');
await Promise.all(
  Array.from({ length: n }, (_, i) =>
    store.update((rs) => [
      ...rs,
      {
        namespace: tag,
        id: `r${i}`,
        netns: '',
        ifname: 'eth0',
        state: 'attached',
        createdAt: new Date().toISOString(),
      },
    ]),
  ),
);
