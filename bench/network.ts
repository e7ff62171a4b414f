// CNI ADD + DEL per container (median of sequential runs) and wall time of 50 concurrent ADDs.
import { testNetwork } from '../test/helpers/network.js';
import { median, timed, type BenchResult } from './stats.js';

export async function benchNetwork(sequential = 20, concurrent = 50): Promise<BenchResult[]> {
  const net = await testNetwork('bench');
  const ns = net.options.coreNamespace;
  try {
    const add: number[] = [];
    const del: number[] = [];
    for (let i = 0; i < sequential; i++) {
      const [a] = await timed(() => net.network.attach(ns, `seq${i}`));
      const [d] = await timed(() => net.network.detach(ns, `seq${i}`));
      add.push(a);
      del.push(d);
    }
    const ids = Array.from({ length: concurrent }, (_, i) => `par${i}`);
    const [wall] = await timed(() => Promise.all(ids.map((id) => net.network.attach(ns, id))));
    const [delWall] = await timed(() => Promise.all(ids.map((id) => net.network.detach(ns, id))));
    return [
      {
        name: 'CNI ADD per container (median)',
        value: Math.round(median(add)),
        unit: 'ms',
        note: 'netns + loopback + bridge/host-local + firewall + portmap + store + hosts',
      },
      { name: 'CNI DEL per container (median)', value: Math.round(median(del)), unit: 'ms' },
      { name: `${concurrent} concurrent ADDs, wall`, value: Math.round(wall), unit: 'ms' },
      { name: `${concurrent} concurrent DELs, wall`, value: Math.round(delWall), unit: 'ms' },
    ];
  } finally {
    await net.cleanup();
  }
}
