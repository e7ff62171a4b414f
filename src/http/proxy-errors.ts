import { FaasdError } from '../errors.js';

export class UpstreamError extends FaasdError {
  constructor(
    readonly fn: string,
    reason: string,
    /** Failed before the function could have acted on it (no connection, or a broken one before an answer and before any of the body): safe to send again. */
    readonly beforeRequest = false,
    options?: ErrorOptions,
  ) {
    super('integrity', `function ${fn} could not be reached: ${reason}`, options);
  }
}

export class NoReadyReplicaError extends FaasdError {
  constructor(readonly fn: string) {
    super('unavailable', `function ${fn} has no ready replica (scaled to zero?)`);
  }
}

/** The client went away before its answer was complete; the upstream request was aborted with it. */
export class ClientClosedError extends FaasdError {
  constructor(readonly fn: string) {
    super('client-closed', `the client of ${fn} closed the connection before the answer`);
  }
}
