import type { ImageSummary } from './images.js';
import type { PackSpec } from './pack.js';
import { InvalidArgumentError } from '../errors.js';
import { formatTable } from '../format/index.js';

export function formatImageTable(images: ImageSummary[]): string {
  return formatTable(
    ['REF', 'DIGEST', 'TYPE'],
    images.map((i) => [i.name, i.digest.slice(0, 19), i.mediaType.replace(/^application\/vnd\./, '')]),
  );
}

const list = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** `faasd image pack` flags → a PackSpec; `--file host:image` pairs are split on the first colon. */
export function packSpecFromFlags(
  name: string,
  flags: Record<string, string | string[] | undefined>,
): PackSpec {
  const paths = list(flags.file).map((f) => {
    const i = f.indexOf(':');
    if (i <= 0 || i === f.length - 1)
      throw new InvalidArgumentError('file', `--file ${JSON.stringify(f)}: use HOST_PATH:IMAGE_PATH`);
    return { hostPath: f.slice(0, i), imagePath: f.slice(i + 1) };
  });
  const spec: PackSpec = { name, binaries: list(flags.binary).map((hostPath) => ({ hostPath })), paths };
  if (flags.entrypoint) spec.entrypoint = list(flags.entrypoint);
  if (flags.cmd) spec.cmd = list(flags.cmd);
  if (flags.env) spec.env = list(flags.env);
  if (typeof flags.user === 'string') spec.user = flags.user;
  if (typeof flags.workdir === 'string') spec.workdir = flags.workdir;
  return spec;
}
