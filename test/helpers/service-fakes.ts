import type { ContainerRecord, ContainerdEvent, ExitStatus } from '../../src/containerd/index.js';
import type { ProcessInfo, TaskStatus } from '../../src/containerd/types.js';
import type { ContainerSpec, ExitEventSource, RunningContainer } from '../../src/runtime/index.js';
import type { ProbeRunner } from '../../src/supervisor/exec-probe.js';
import type {
  ServiceContainerd,
  ServiceImages,
  ServiceNetwork,
  ServiceRuntime,
  SupervisorContainerd,
  SupervisorDeps,
} from '../../src/supervisor/supervisor-deps.js';
import { RecordingLogger } from './recording-logger.js';

export interface FakeTask {
  status: TaskStatus;
  pid: number;
  exitStatus?: number;
}

/** An event stream that never delivers anything (as when an exit event is lost) until it is aborted. */
export class SilentEvents implements ExitEventSource {
  async *subscribe(_filters: string[], signal?: AbortSignal): AsyncIterable<ContainerdEvent> {
    if (signal && !signal.aborted)
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    yield* [];
  }
}

/**
 * One containerd namespace in memory. Tasks are plain records the test may change (`tasks` map);
 * `waitFor` answers once a task is STOPPED as the test set it, and `exited` wakes the waiters.
 */
export class FakeServiceContainerd implements SupervisorContainerd, ServiceContainerd {
  readonly taskMap = new Map<string, FakeTask>();
  readonly records = new Map<string, ContainerRecord>();
  readonly events = new SilentEvents();
  /** Calls of tasks.list: the supervisor's re-checks. */
  taskLists = 0;
  private readonly waiters = new Set<() => void>();

  inNamespace(): ServiceContainerd {
    return this;
  }

  /** Sets a task's record and wakes whoever waits for a task to exit. */
  setTask(id: string, task: FakeTask): void {
    this.taskMap.set(id, task);
    for (const wake of [...this.waiters]) wake();
  }

  readonly namespaces = { ensure: (): Promise<void> => Promise.resolve() };

  readonly containers = {
    list: (): Promise<ContainerRecord[]> => Promise.resolve([...this.records.values()]),
    get: (id: string): Promise<ContainerRecord | undefined> => Promise.resolve(this.records.get(id)),
    setLabels: (id: string, labels: Record<string, string>): Promise<void> => {
      const r = this.records.get(id);
      if (r) this.records.set(id, { ...r, labels });
      return Promise.resolve();
    },
  };

  readonly tasks = {
    get: (id: string): Promise<ProcessInfo | undefined> => Promise.resolve(this.info(id)),
    list: (): Promise<ProcessInfo[]> => {
      this.taskLists++;
      return Promise.resolve([...this.taskMap.keys()].flatMap((id) => this.info(id) ?? []));
    },
    wait: (id: string, signal?: AbortSignal): Promise<ExitStatus> =>
      new Promise<ExitStatus>((resolve, reject) => {
        const check = () => {
          const t = this.taskMap.get(id);
          if (t?.status !== 'STOPPED') return;
          done();
          resolve({ exitStatus: t.exitStatus ?? 0, exitedAt: undefined });
        };
        const abort = () => {
          done();
          reject(new Error(`wait for ${id} aborted`));
        };
        const done = () => {
          this.waiters.delete(check);
          signal?.removeEventListener('abort', abort);
        };
        if (signal?.aborted) return abort();
        this.waiters.add(check);
        signal?.addEventListener('abort', abort, { once: true });
        check();
      }),
  };

  private info(id: string): ProcessInfo | undefined {
    const t = this.taskMap.get(id);
    return t && { containerId: id, id, pid: t.pid, status: t.status, exitStatus: t.exitStatus ?? 0 };
  }
}

/** Network records by container id; every attached container has the same address. */
export class FakeServiceNetwork implements ServiceNetwork {
  readonly attached = new Set<string>();

  prepareFiles(): Promise<string[]> {
    return Promise.resolve([]);
  }
  reconcile(): Promise<string[]> {
    return Promise.resolve([]);
  }
  address(_namespace: string, id: string): Promise<string | undefined> {
    return Promise.resolve(this.attached.has(id) ? '10.0.0.2' : undefined);
  }
}

/** A runtime over the fake containerd and network that records what it was asked (`create ID` ...). */
export class FakeServiceRuntime implements ServiceRuntime {
  /** Starts still to fail (with "containerd is away") before one succeeds. */
  failStarts = 0;
  private pid = 100;

  constructor(
    private readonly ctd: FakeServiceContainerd,
    private readonly network: FakeServiceNetwork,
    private readonly calls: string[],
  ) {}

  create(spec: ContainerSpec): Promise<{ ip: string | undefined }> {
    this.calls.push(`create ${spec.id}`);
    this.ctd.records.set(spec.id, {
      id: spec.id,
      labels: spec.labels ?? {},
      image: spec.image,
      runtime: null,
      spec: null,
      snapshotter: 'overlayfs',
      snapshotKey: spec.id,
    });
    this.network.attached.add(spec.id);
    return Promise.resolve({ ip: '10.0.0.2' });
  }

  start(namespace: string, id: string): Promise<RunningContainer> {
    this.calls.push(`start ${id}`);
    if (this.failStarts > 0) {
      this.failStarts--;
      return Promise.reject(new Error('containerd is away'));
    }
    const pid = ++this.pid;
    this.ctd.setTask(id, { status: 'RUNNING', pid });
    return Promise.resolve({ namespace, id, pid, ip: undefined, logPath: `/nonexistent/${id}.log` });
  }

  remove(_namespace: string, id: string): Promise<void> {
    this.calls.push(`remove ${id}`);
    this.ctd.taskMap.delete(id);
    this.ctd.records.delete(id);
    this.network.attached.delete(id);
    return Promise.resolve();
  }
}

/** Every image is there already; records which were asked for. */
export class FakeServiceImages implements ServiceImages {
  readonly ensured: string[] = [];
  ensure(ref: string): Promise<void> {
    this.ensured.push(ref);
    return Promise.resolve();
  }
}

/** A health check runner whose answer the test sets; it records each probe in the shared call list. */
export class FakeProbe implements ProbeRunner {
  exitStatus = 1;
  constructor(private readonly calls: string[]) {}
  run(id: string): Promise<number> {
    if (this.calls.at(-1) !== `probe ${id}`) this.calls.push(`probe ${id}`);
    return Promise.resolve(this.exitStatus);
  }
}

/** The supervisor's world in memory: one call list (`create X`, `start X`, `remove X`, `probe X`). */
export class FakeServiceHost {
  readonly calls: string[] = [];
  readonly ctd = new FakeServiceContainerd();
  readonly network = new FakeServiceNetwork();
  readonly runtime = new FakeServiceRuntime(this.ctd, this.network, this.calls);
  readonly images = new FakeServiceImages();
  readonly probe = new FakeProbe(this.calls);
  readonly log = new RecordingLogger();

  deps(timing: Pick<SupervisorDeps, 'restartDelayMs' | 'recheckIntervalMs'>): SupervisorDeps {
    return {
      ctd: this.ctd,
      runtime: this.runtime,
      network: this.network,
      images: this.images,
      probe: this.probe,
      log: this.log,
      namespace: 'test',
      stopGraceMs: 1_000,
      ...timing,
    };
  }

  /** Starts of `id` so far. */
  starts(id: string): number {
    return this.calls.filter((c) => c === `start ${id}`).length;
  }
}
