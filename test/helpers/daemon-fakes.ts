import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, NotFoundError } from '../../src/errors.js';
import type { FunctionBackend, InvokeTarget } from '../../src/gateway/backend.js';
import type { Availability, FunctionStatus } from '../../src/provider/index.js';
import type { AsyncQueue, QueuedRequest } from '../../src/queue/index.js';
import type { AsyncInvoker, DeadLetters, DoneStore, QueueMessage } from '../../src/queue-worker/handle.js';
import type { Outcome } from '../../src/queue-worker/callback.js';
import { DEFAULT_NS } from './edge-fakes.js';

const status = (name: string, namespace: string): FunctionStatus => ({
  name,
  namespace,
  image: 'x',
  invocationCount: 0,
  replicas: 1,
  availableReplicas: 1,
});

/**
 * The gateway's provider: known functions (namespace/name) answer `fn=NAME path=PATH`; /system
 * requests answer 200 `system PATH`. Records every call.
 */
export class FakeBackend implements FunctionBackend {
  readonly calls: string[] = [];
  closed = false;

  constructor(readonly known: Set<string> = new Set()) {}

  private check(name: string, namespace: string): void {
    if (namespace !== DEFAULT_NS)
      throw new InvalidArgumentError('namespace', `namespace ${namespace} is not a function namespace`);
    if (!this.known.has(`${namespace}/${name}`)) throw new NotFoundError('function', name);
  }

  async describe(name: string, namespace: string): Promise<FunctionStatus> {
    this.calls.push(`describe ${namespace}/${name}`);
    this.check(name, namespace);
    return status(name, namespace);
  }
  async availability(name: string, namespace: string): Promise<Availability> {
    this.calls.push(`availability ${namespace}/${name}`);
    this.check(name, namespace);
    return { replicas: 1, available: 1 };
  }
  async scale(name: string, namespace: string, replicas: number): Promise<void> {
    this.calls.push(`scale ${namespace}/${name} ${replicas}`);
    this.check(name, namespace);
  }
  async list(namespace: string): Promise<FunctionStatus[]> {
    this.calls.push(`list ${namespace}`);
    if (namespace !== DEFAULT_NS)
      throw new InvalidArgumentError('namespace', `namespace ${namespace} is not a function namespace`);
    return [...this.known].map((k) => status(k.split('/')[1] ?? k, namespace));
  }
  async invoke(req: IncomingMessage, res: ServerResponse, t: InvokeTarget): Promise<number> {
    this.calls.push(`invoke ${t.namespace}/${t.name} ${t.path}`);
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`fn=${t.name} path=${t.path}\n`);
    return 200;
  }
  async system(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    this.calls.push(`system ${req.method} ${url.pathname}${url.search}`);
    req.resume();
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`system ${url.pathname}\n`);
  }
  close(): void {
    this.closed = true;
  }
}

/** The gateway's queue: keeps what was enqueued. */
export class FakeQueue implements Pick<AsyncQueue, 'enqueue'> {
  readonly queued: QueuedRequest[] = [];
  async enqueue(r: QueuedRequest): Promise<void> {
    this.queued.push(r);
  }
}

/** A JetStream message: records ack/nak, never redelivers by itself. */
export class FakeMessage implements QueueMessage {
  acked = false;
  nakedMs: number | undefined;
  readonly info: { deliveryCount: number };

  constructor(
    private readonly request: QueuedRequest,
    deliveryCount = 1,
  ) {
    this.info = { deliveryCount };
  }
  string(): string {
    return JSON.stringify(this.request);
  }
  ack(): void {
    this.acked = true;
  }
  nak(millis?: number): void {
    this.nakedMs = millis ?? 0;
  }
  working(): void {}
}

export class FakeDoneStore implements DoneStore {
  readonly done = new Map<string, string>();
  async get(callId: string): Promise<unknown> {
    return this.done.get(callId) ?? null;
  }
  async put(callId: string, status: string): Promise<unknown> {
    this.done.set(callId, status);
    return 1;
  }
}

export class FakeDeadLetters implements DeadLetters {
  readonly published: { subject: string; data: unknown }[] = [];
  async publish(subject: string, data: string): Promise<unknown> {
    this.published.push({ subject, data: JSON.parse(data) });
    return {};
  }
}

/** Answers each invocation from a script (a status, or 'unreachable' to throw) and records them. */
export class FakeInvoker implements AsyncInvoker {
  readonly invoked: QueuedRequest[] = [];
  constructor(private readonly answers: (number | 'unreachable')[]) {}
  async invoke(r: QueuedRequest): Promise<Outcome> {
    this.invoked.push(r);
    const answer = this.answers[this.invoked.length - 1] ?? 200;
    if (answer === 'unreachable') throw new Error('connect ECONNREFUSED');
    return {
      status: answer,
      body: Buffer.from(`answer ${answer}`),
      contentType: 'text/plain',
      seconds: 0.01,
    };
  }
}
