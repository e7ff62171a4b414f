// A separate process that attaches containers concurrently: argv[2] = JSON NetworkOptions,
// argv[3] = namespace, argv[4..] = ids. Prints "ready" first so a test can kill it mid-ADD.
import { CniNetwork } from '../../src/network/index.js';
import { type NetworkOptions } from '../../src/network/network.js';

const options = JSON.parse(process.argv[2] ?? '{}') as NetworkOptions;
const namespace = process.argv[3] ?? '';
const ids = process.argv.slice(4);
const net = new CniNetwork(options);
process.stdout.write('ready\n');
const results = await Promise.allSettled(ids.map((id) => net.attach(namespace, id)));
const failed = results.filter((r) => r.status === 'rejected');
for (const f of failed) process.stderr.write(`${String(f.reason)}\n`);
process.exit(failed.length ? 1 : 0);
