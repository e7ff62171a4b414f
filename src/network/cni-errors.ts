import { FaasdError } from '../errors.js';

/** A plugin answered with a CNI error object (spec: code, msg, details). */
export class CniPluginError extends FaasdError {
  constructor(
    readonly plugin: string,
    readonly command: string,
    readonly code: number,
    readonly msg: string,
    readonly details: string,
    readonly stderr = '',
    options?: ErrorOptions,
  ) {
    super(
      'internal',
      `CNI ${plugin} ${command} failed (code ${code}): ${msg}${details ? `: ${details}` : ''}`,
      options,
    );
  }
}

export class CniPluginNotFoundError extends FaasdError {
  constructor(
    readonly plugin: string,
    readonly searched: string[],
  ) {
    super(
      'precondition',
      `CNI plugin ${JSON.stringify(plugin)} not found in ${searched.join(':')} (install containernetworking-plugins)`,
    );
  }
}

export class CniTimeoutError extends FaasdError {
  constructor(
    readonly plugin: string,
    readonly command: string,
    readonly timeoutMs: number,
  ) {
    super('timeout', `CNI ${plugin} ${command} did not finish in ${timeoutMs} ms`);
  }
}

/**
 * Whether an ADD that failed with `err` ran no plugin at all: the list's first plugin is not installed.
 * Nothing was made then, and a DEL would fail the same way (and keep the attachment's record).
 */
export function ranNoPlugin(err: unknown, list: { plugins: { type: string }[] }): boolean {
  return err instanceof CniPluginNotFoundError && list.plugins[0]?.type === err.plugin;
}
