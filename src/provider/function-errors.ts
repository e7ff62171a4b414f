import { FaasdError } from '../errors.js';

/** A function's container did not become ready in time (an invocation waited, or an update gave up). */
export class NotReadyError extends FaasdError {
  constructor(
    readonly fn: string,
    readonly container: string,
    readonly timeoutMs: number,
    detail = '',
  ) {
    super('timeout', `function ${fn} (container ${container}) was not ready within ${timeoutMs} ms${detail}`);
  }
}

/**
 * The deployment as given cannot run: its task failed to start (runc refused the spec, the entrypoint
 * is missing) or exited before it was ready. Nothing of the attempt is left behind.
 */
export class StartFailedError extends FaasdError {
  constructor(
    readonly fn: string,
    readonly container: string,
    readonly reason: string,
    detail = '',
    options?: ErrorOptions,
  ) {
    super('invalid', `function ${fn} (container ${container}) failed to start: ${reason}${detail}`, options);
  }
}

/** Said after an update's failure: the old version was never touched. */
export const OLD_VERSION_SERVES = '; the previous version keeps serving';
