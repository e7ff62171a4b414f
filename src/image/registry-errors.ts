import { FaasdError, NotFoundError } from '../errors.js';

export class RegistryUnreachableError extends FaasdError {
  constructor(
    readonly registry: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('unavailable', `registry ${registry} is unreachable: ${reason}`, options);
  }
}

export class RegistryAuthError extends FaasdError {
  constructor(
    readonly registry: string,
    readonly repository: string,
    options?: ErrorOptions,
  ) {
    super(
      'auth',
      `registry ${registry} refused access to ${repository} (check credentials in the Docker config.json)`,
      options,
    );
  }
}

export class RegistryResponseError extends FaasdError {
  constructor(
    readonly url: string,
    readonly httpStatus: number,
    detail: string,
  ) {
    super('unavailable', `registry answered ${httpStatus} for ${url}${detail ? `: ${detail}` : ''}`);
  }
}

export class ImageNotFoundError extends NotFoundError {
  constructor(reference: string, options?: ErrorOptions) {
    super('image', reference, options);
  }
}

export class UnsupportedMediaTypeError extends FaasdError {
  constructor(
    readonly mediaType: string,
    readonly what: string,
  ) {
    super('invalid', `unsupported media type ${JSON.stringify(mediaType)} for ${what}`);
  }
}

export class NoMatchingPlatformError extends FaasdError {
  constructor(
    readonly reference: string,
    readonly platform: string,
    readonly available: string[],
  ) {
    super(
      'not-found',
      `image ${reference} has no variant for ${platform} (has: ${available.join(', ') || 'none'})`,
    );
  }
}

/** A blob's body broke off after its response began (connection reset, truncated stream). */
export class BlobInterruptedError extends FaasdError {
  constructor(
    readonly registry: string,
    readonly digest: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super('unavailable', `registry ${registry} broke off blob ${digest}: ${reason}`, options);
  }
}
