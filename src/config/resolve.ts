import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { createLogger } from '../log.js';
import {
  AT_LEAST_ONE,
  AT_MOST,
  BOOLEAN_FIELDS,
  DEFAULTS,
  ENV,
  LIST_FIELDS,
  NUMBER_FIELDS,
  type FaasdConfig,
} from './config.js';
import { RETIRED_KEYS, retiredSettings } from './retired.js';

/** A whole number >= 0 (>= 1 for the per-function connections), from the environment or the file. */
function wholeNumber(key: keyof FaasdConfig, raw: unknown): number {
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const min = AT_LEAST_ONE.has(key) ? 1 : 0;
  const max = AT_MOST[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || (max !== undefined && v > max))
    throw new InvalidArgumentError(
      key,
      `setting ${key} ${JSON.stringify(raw)} must be a whole number of at least ${min}` +
        (max !== undefined ? ` and at most ${max}` : ''),
    );
  return v;
}

const TRUE = new Set(['true', '1', 'on', 'yes']);
const FALSE = new Set(['false', '0', 'off', 'no']);

/** An on/off setting from the environment. */
function onOff(key: keyof FaasdConfig, raw: string): boolean {
  const word = raw.trim().toLowerCase();
  if (TRUE.has(word)) return true;
  if (FALSE.has(word)) return false;
  throw new InvalidArgumentError(
    key,
    `setting ${key} ${JSON.stringify(raw)} must be one of true, false, 1, 0, on, off`,
  );
}

function parseValue(key: keyof FaasdConfig, raw: string): string | string[] | number | boolean {
  if (NUMBER_FIELDS.has(key)) return wholeNumber(key, raw);
  if (BOOLEAN_FIELDS.has(key)) return onOff(key, raw);
  if (!LIST_FIELDS.has(key)) return raw;
  return raw
    .split(key === 'cniBinDirs' ? ':' : ',')
    .map((e) => e.trim())
    .filter(Boolean);
}

export function readConfigFile(path: string | undefined): Partial<FaasdConfig> {
  if (!path) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new InvalidArgumentError('config', `config file ${path}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new InvalidArgumentError('config', `config file ${path} is not a JSON object`);
  for (const key of Object.keys(parsed)) {
    if (RETIRED_KEYS.has(key)) continue; // resolveConfig warns about it
    if (!(key in DEFAULTS))
      throw new InvalidArgumentError('config', `config file ${path}: unknown setting ${JSON.stringify(key)}`);
    const k = key as keyof FaasdConfig;
    const value = (parsed as Record<string, unknown>)[key];
    if (NUMBER_FIELDS.has(k)) wholeNumber(k, value);
    // A file's "off" would be kept as a truthy string: JSON booleans only.
    if (BOOLEAN_FIELDS.has(k) && typeof value !== 'boolean')
      throw new InvalidArgumentError(
        k,
        `config file ${path}: setting ${k} ${JSON.stringify(value)} must be true or false`,
      );
  }
  return parsed;
}

/**
 * Resolves the configuration: flags over environment over the config file over defaults. Settings no
 * longer read (retired.ts) are left out, each with a warning.
 */
export function resolveConfig(
  flags: Partial<FaasdConfig> = {},
  env: NodeJS.ProcessEnv = process.env,
  file: Partial<FaasdConfig> = readConfigFile(env.FAASD_CONFIG),
  warn: (message: string) => void = (m) => createLogger('faasd').warn(m),
): FaasdConfig {
  for (const message of retiredSettings(env, file)) warn(message);
  const read = Object.fromEntries(Object.entries(file).filter(([k]) => !RETIRED_KEYS.has(k)));
  const fromEnv: Record<string, unknown> = {};
  for (const [key, names] of Object.entries(ENV) as [keyof FaasdConfig, string[]][]) {
    const name = names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name) fromEnv[key] = parseValue(key, env[name] as string);
  }
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    ...DEFAULTS,
    ...defined(read as Partial<FaasdConfig>),
    ...(fromEnv as Partial<FaasdConfig>),
    ...defined(flags),
  };
}
