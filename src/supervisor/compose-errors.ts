import { InvalidArgumentError } from '../errors.js';

/** A compose file we cannot run as written; names the service and field. */
export class ComposeError extends InvalidArgumentError {
  constructor(
    readonly service: string | undefined,
    field: string,
    message: string,
  ) {
    super(
      field,
      service
        ? `compose: service ${JSON.stringify(service)}: ${field}: ${message}`
        : `compose: ${field}: ${message}`,
    );
  }
}
