import type { Logger } from '../log.js';
import type { ChangeGuard } from './changes.js';
import { functionDeployment, type Fn, type StoredDeployment } from './function-records.js';
import { primaryOf, replicasOf } from './instances.js';
import { parseScaleLabels } from './scale-labels.js';

export interface ScaleFromZeroDeps {
  guard: ChangeGuard;
  /** One function's containers now. */
  group: (namespace: string, name: string) => Promise<Fn | undefined>;
  /** Starts `replicas` of the function (replicas.ts's setReplicas). */
  scaleTo: (dep: StoredDeployment, g: Fn, replicas: number) => Promise<void>;
  log: Logger;
}

/**
 * An invocation of a function the idle scaler took to zero (com.openfaas.scale.zero=true): back to its
 * minimum, once for all the callers at the same time.
 */
export class ScaleFromZero {
  private readonly wakes = new Map<string, Promise<void>>();

  private readonly guard: ChangeGuard;
  private readonly group: ScaleFromZeroDeps['group'];
  private readonly scaleTo: ScaleFromZeroDeps['scaleTo'];
  private readonly log: Logger;

  constructor(deps: ScaleFromZeroDeps) {
    this.guard = deps.guard;
    this.group = deps.group;
    this.scaleTo = deps.scaleTo;
    this.log = deps.log;
  }

  wake(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const running = this.wakes.get(key);
    if (running) return running;
    const woken = this.guard
      .internal(namespace, name, async () => {
        const g = await this.group(namespace, name);
        const head = g && primaryOf(g);
        if (!g || !head || replicasOf(head) !== 0) return;
        const dep = functionDeployment(g, namespace);
        const min = parseScaleLabels(dep.labels).min;
        this.log.info('scaling from zero for an invocation', { namespace, function: name, replicas: min });
        await this.scaleTo(dep, g, min);
      })
      .finally(() => this.wakes.delete(key));
    this.wakes.set(key, woken);
    return woken;
  }
}
