import type { ContainerRecord } from '../../src/containerd/index.js';
import { ContainerCache } from '../../src/provider/container-cache.js';
import type { StatusHost } from '../../src/provider/function-status.js';
import type { EndpointDeps } from '../../src/provider/endpoints.js';
import { instanceLabels, type TaskView } from '../../src/provider/instances.js';

/**
 * Function containers of one namespace with running tasks and addresses, in memory; every lookup a
 * list or an invocation could make per replica is counted (issue #16: a list makes none).
 */
export class FakeStatusHost implements StatusHost, Pick<EndpointDeps['host'], 'task'> {
  readonly records: ContainerRecord[] = [];
  readonly tasks = new Map<string, TaskView>();
  readonly ips = new Map<string, string>();
  readonly calls = { lists: 0, addressReads: 0, ipLookups: 0, taskLookups: 0 };
  readonly cache = new ContainerCache(() => {
    this.calls.lists++;
    return Promise.resolve([...this.records]);
  }, 60_000);

  /** A one-replica function `name` with a running task (pid `pid`) at `ip`. */
  add(name: string, ip: string, pid = 100): void {
    this.records.push({
      id: name,
      labels: instanceLabels(name, 1, 1, false),
      image: 'example.test/fn:1',
      runtime: null,
      spec: null,
      snapshotter: 'overlayfs',
      snapshotKey: name,
      createdAt: { seconds: 1_700_000_000, nanos: 0 },
    });
    this.tasks.set(name, { pid, status: 'RUNNING' });
    this.ips.set(name, ip);
  }

  async containers(): Promise<ContainerRecord[]> {
    return [...(await this.cache.list('ns'))];
  }

  addresses(): Promise<Map<string, string>> {
    this.calls.addressReads++;
    return Promise.resolve(new Map(this.ips));
  }

  ip(_namespace: string, id: string): Promise<string | undefined> {
    this.calls.ipLookups++;
    return Promise.resolve(this.ips.get(id));
  }

  task(_namespace: string, id: string): Promise<TaskView | undefined> {
    this.calls.taskLookups++;
    return Promise.resolve(this.tasks.get(id));
  }

  observe(namespace: string, id: string): Promise<TaskView | undefined> {
    return this.task(namespace, id);
  }
}
