import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { FaasdError, type ErrorKind } from '../errors.js';

/** A containerd call failed; `code` is the gRPC status code, mapped once to a kind here. */
export class ContainerdError extends FaasdError {
  constructor(
    kind: ErrorKind,
    readonly code: number,
    readonly method: string,
    readonly details: string,
    options?: ErrorOptions,
  ) {
    super(kind, `containerd ${method}: ${details}`, options);
  }
}

const kindOfCode = new Map<number, ErrorKind>([
  [GrpcStatus.NOT_FOUND, 'not-found'],
  [GrpcStatus.ALREADY_EXISTS, 'exists'],
  [GrpcStatus.FAILED_PRECONDITION, 'precondition'],
  [GrpcStatus.INVALID_ARGUMENT, 'invalid'],
  [GrpcStatus.UNAVAILABLE, 'unavailable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'timeout'],
  [GrpcStatus.UNAUTHENTICATED, 'auth'],
  [GrpcStatus.PERMISSION_DENIED, 'auth'],
]);

export function fromServiceError(method: string, err: ServiceError): ContainerdError {
  const kind = kindOfCode.get(err.code) ?? 'internal';
  return new ContainerdError(kind, err.code, method, err.details || err.message, { cause: err });
}

export function isNotFound(err: unknown): boolean {
  return err instanceof FaasdError && err.kind === 'not-found';
}

export function isAlreadyExists(err: unknown): boolean {
  return err instanceof FaasdError && err.kind === 'exists';
}

/** A failure that came from the gRPC layer (it carries a status code), not from our own code. */
export function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === 'number' && 'metadata' in err;
}
