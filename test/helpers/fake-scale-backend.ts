import type { FunctionBackend } from '../../src/gateway/backend.js';
import type { Availability } from '../../src/provider/index.js';

/**
 * The provider as the gateway's Scaler sees it: one function with a replica count, whose replica becomes
 * available on the `readyOnLook`-th look after a scale to 1. Every call is recorded in order.
 */
export class FakeScaleBackend implements Pick<FunctionBackend, 'availability' | 'scale'> {
  readonly calls: string[] = [];
  private looksSinceScale = 0;

  constructor(
    private replicas: number,
    private readonly readyOnLook: number,
  ) {}

  availability(): Promise<Availability> {
    this.calls.push('look');
    const available = this.replicas > 0 && ++this.looksSinceScale >= this.readyOnLook ? 1 : 0;
    return Promise.resolve({ replicas: this.replicas, available });
  }

  scale(_name: string, _namespace: string, replicas: number): Promise<void> {
    this.calls.push(`scale ${replicas}`);
    this.replicas = replicas;
    this.looksSinceScale = 0;
    return Promise.resolve();
  }
}

/** A sleep that returns at once and keeps what it was asked to wait. */
export class RecordingSleep {
  readonly waits: number[] = [];
  readonly sleep = (ms: number): Promise<void> => {
    this.waits.push(ms);
    return Promise.resolve();
  };
}
