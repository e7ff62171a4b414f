import type { FunctionTasks } from '../../src/provider/liveness.js';
import { instanceLabels, type ContainerView, type TaskView } from '../../src/provider/instances.js';
import type { ProbeAnswer } from '../../src/provider/readiness.js';

/** Function containers and tasks of one namespace, in memory; starts are counted and take a turn. */
export class FakeFunctionTasks implements FunctionTasks {
  readonly records = new Map<string, ContainerView>();
  readonly tasks = new Map<string, TaskView>();
  readonly starts: string[] = [];
  readonly exits: string[] = [];
  private nextPid = 100;

  /** Adds a container of function `name` (ID `id`, default the name), with or without a running task. */
  add(
    name: string,
    o: { id?: string; replicas?: number; generation?: number; pending?: boolean; status?: string } = {},
  ): void {
    const id = o.id ?? name;
    this.records.set(id, {
      id,
      labels: instanceLabels(name, o.replicas ?? 1, o.generation ?? 1, o.pending ?? false),
    });
    if (o.status) this.tasks.set(id, { pid: this.nextPid++, status: o.status });
  }

  containers(): Promise<ContainerView[]> {
    return Promise.resolve([...this.records.values()]);
  }

  task(_namespace: string, id: string): Promise<TaskView | undefined> {
    return Promise.resolve(this.tasks.get(id));
  }

  async start(_namespace: string, id: string): Promise<void> {
    this.starts.push(id);
    await new Promise((r) => setImmediate(r));
    this.tasks.set(id, { pid: this.nextPid++, status: 'RUNNING' });
  }

  exited(_namespace: string, id: string): void {
    this.exits.push(id);
  }
}

/** A function port whose answers a test sets; every probe is counted. */
export class FakeProbe {
  answer: ProbeAnswer = { kind: 'refused' };
  probes = 0;

  readonly probe = (): Promise<ProbeAnswer> => {
    this.probes++;
    return Promise.resolve(this.answer);
  };
}
