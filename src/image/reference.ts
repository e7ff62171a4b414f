import { InvalidArgumentError } from '../errors.js';

/** A parsed, normalised image reference: `docker.io/library/busybox:latest`, `127.0.0.1:5000/fn@sha256:…`. */
export interface ImageRef {
  /** Registry host as written (`docker.io` for Docker Hub), with port when given. */
  domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

export class InvalidReferenceError extends InvalidArgumentError {
  constructor(
    readonly reference: string,
    reason: string,
  ) {
    super('image', `image reference ${JSON.stringify(reference)} is invalid: ${reason}`);
  }
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

export const DOCKER_HUB = 'docker.io';

/** Parses a reference the way Docker normalises it: no domain means Docker Hub, no tag means `latest`. */
export function parseReference(input: string): ImageRef {
  const ref = input.trim();
  if (ref === '' || ref.length > 255 * 2) throw new InvalidReferenceError(input, 'it is empty or too long');
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw new InvalidReferenceError(input, `digest ${JSON.stringify(digest)} is not sha256:<64 hex>`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw new InvalidReferenceError(input, `tag ${JSON.stringify(tag)} is not valid`);
  }
  const parts = rest.split('/');
  let domain = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (
    parts.length > 1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || /[A-Z]/.test(first))
  ) {
    domain = first;
    parts.shift();
    if (!DOMAIN.test(domain))
      throw new InvalidReferenceError(input, `registry ${JSON.stringify(domain)} is not a host name`);
  }
  if (domain === 'index.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  for (const p of parts) {
    if (!COMPONENT.test(p)) {
      throw new InvalidReferenceError(
        input,
        `path component ${JSON.stringify(p)} must be lowercase letters, digits and separators`,
      );
    }
  }
  if (!tag && !digest) tag = 'latest';
  return { domain, path: parts.join('/'), tag, digest };
}

/** The normalised name containerd stores the image under. */
export function formatReference(r: ImageRef): string {
  let s = `${r.domain}/${r.path}`;
  if (r.tag) s += `:${r.tag}`;
  if (r.digest) s += `@${r.digest}`;
  return s;
}

export function normalizeReference(input: string): string {
  return formatReference(parseReference(input));
}

/** Host to send HTTP requests to: Docker Hub's API lives on registry-1.docker.io. */
export function registryHost(domain: string): string {
  return domain === DOCKER_HUB ? 'registry-1.docker.io' : domain;
}
