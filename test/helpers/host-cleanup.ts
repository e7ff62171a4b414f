import { execa } from 'execa';
import { join } from 'node:path';
import type { FaasdConfig } from '../../src/config/index.js';
import { networkFromConfig } from '../../src/network/index.js';
import { ContainerRuntime } from '../../src/runtime/index.js';
import type { TestContainerd } from './containerd.js';

/** Whatever a test on `config`'s network left: every container (with its network), orphaned netns, the bridge. */
export async function removeTestStack(
  ctd: TestContainerd,
  config: FaasdConfig,
  scratchDir: string,
): Promise<void> {
  const network = networkFromConfig(config);
  const runtime = new ContainerRuntime(ctd.client, {
    logDir: join(scratchDir, 'logs'),
    network,
    stopGraceMs: 200,
  });
  for (const ns of await ctd.client.namespaces.list()) {
    for (const c of await ctd.client.inNamespace(ns.name).containers.list()) {
      await runtime.remove(ns.name, c.id).catch(() => undefined);
    }
  }
  await network.reconcile(async () => false).catch(() => undefined);
  await network.removeBridge();
}

/**
 * The per-container nat chains (masquerade, portmap DNAT) whose rules name a CNI container ID starting
 * with `idPrefix` — this test's own: other stacks on the host share the network name and come and go.
 */
export async function natChainsFor(idPrefix: string): Promise<string[]> {
  const out = await execa('iptables', ['-w', '-t', 'nat', '-S']);
  const chains = out.stdout
    .split('\n')
    .filter((l) => l.includes(`id: \\"${idPrefix}`))
    .flatMap((l) => [/^-A (CNI-\S+)/.exec(l)?.[1], / -j (CNI-\S+)$/.exec(l)?.[1]])
    .filter((c): c is string => c !== undefined && !c.startsWith('CNI-HOSTPORT-'));
  return [...new Set(chains)].sort();
}
