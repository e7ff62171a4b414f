import { FaasdError } from '../errors.js';
import type { DependsCondition } from './compose-health.js';

/** A service's `depends_on` condition was not met, so `faasd up` does not start it (or anything after). */
export class DependencyFailedError extends FaasdError {
  constructor(
    readonly service: string,
    readonly dependency: string,
    readonly condition: DependsCondition,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(
      'precondition',
      `service ${JSON.stringify(service)} not started: depends_on ${JSON.stringify(dependency)} ` +
        `(${condition}): ${reason}`,
      options,
    );
  }
}
