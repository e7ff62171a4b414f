// Takes the IPAM store's lock (argv[2] = store path), says "locked", and holds it until killed.
import { IpamStore } from '../../src/network/ipam-store.js';

const store = new IpamStore(process.argv[2] ?? '');
await store.withLock(async () => {
  process.stdout.write('locked\n');
  // A live handle: without one Node would exit here, and proper-lockfile would remove the lock on exit.
  await new Promise(() => setInterval(() => undefined, 1000));
});
