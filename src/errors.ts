/**
 * Errors carry their kind and an HTTP status; they are mapped to responses and exit codes in one place
 * (http/http-errors.ts, cli/run.ts), never classified by message text.
 */
export type ErrorKind =
  | 'invalid'
  | 'not-found'
  | 'exists'
  | 'conflict'
  | 'precondition'
  | 'unavailable'
  | 'auth'
  | 'too-large'
  | 'timeout'
  | 'integrity'
  | 'client-closed'
  | 'internal';

const statusOf: Record<ErrorKind, number> = {
  invalid: 400,
  auth: 401,
  'not-found': 404,
  exists: 409,
  conflict: 409,
  precondition: 412,
  'too-large': 413,
  // nginx's code for "the client closed the connection before the answer": recorded, never sent.
  'client-closed': 499,
  integrity: 502,
  unavailable: 503,
  timeout: 504,
  internal: 500,
};

export class FaasdError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: ErrorOptions) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
  get status(): number {
    return statusOf[this.kind];
  }
}

export class InvalidArgumentError extends FaasdError {
  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super('invalid', message, options);
  }
}

export class NotFoundError extends FaasdError {
  constructor(
    readonly what: string,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super('not-found', `${what} ${JSON.stringify(id)} not found`, options);
  }
}

export class AlreadyExistsError extends FaasdError {
  constructor(
    readonly what: string,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super('exists', `${what} ${JSON.stringify(id)} already exists`, options);
  }
}

/** Another API call is changing the same thing right now; this one changed nothing. */
export class ConflictError extends FaasdError {
  constructor(
    readonly what: string,
    readonly id: string,
    readonly busyWith: string,
    options?: ErrorOptions,
  ) {
    super(
      'conflict',
      `${what} ${JSON.stringify(id)} is being changed (${busyWith}); try again when it is done`,
      options,
    );
  }
}

export class UnavailableError extends FaasdError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', message, options);
  }
}

export class InternalError extends FaasdError {
  constructor(message: string, options?: ErrorOptions) {
    super('internal', message, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
