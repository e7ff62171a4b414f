import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CniPluginError, CniPluginNotFoundError, CniTimeoutError } from './cni-errors.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION';

export interface CniAttachment {
  containerId: string;
  /** Path of the network namespace, e.g. /var/run/netns/openfaas-gateway. */
  netns: string;
  ifname: string;
}

export interface PluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetworkList {
  cniVersion: string;
  name: string;
  plugins: PluginConf[];
}

/** The environment a plugin gets (CNI spec, section "Parameters"): pure, so it is unit-tested. */
export function pluginEnv(
  command: CniCommand,
  att: CniAttachment | undefined,
  cniPath: string[],
): Record<string, string> {
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_PATH: cniPath.join(':'),
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  };
  if (att) {
    env.CNI_CONTAINERID = att.containerId;
    env.CNI_NETNS = att.netns;
    env.CNI_IFNAME = att.ifname;
  }
  return env;
}

/** One plugin's config as the spec has the runtime build it from a list entry. */
export function pluginConfig(
  list: NetworkList,
  plugin: PluginConf,
  runtimeConfig: Record<string, unknown>,
  prevResult: unknown,
): Record<string, unknown> {
  const conf: Record<string, unknown> = { ...plugin, name: list.name, cniVersion: list.cniVersion };
  const caps = Object.entries(plugin.capabilities ?? {}).filter(([, on]) => on);
  const rc = Object.fromEntries(caps.filter(([k]) => k in runtimeConfig).map(([k]) => [k, runtimeConfig[k]]));
  if (Object.keys(rc).length > 0) conf.runtimeConfig = rc;
  if (prevResult !== undefined) conf.prevResult = prevResult;
  return conf;
}

/** Runs the reference CNI plugin binaries found on the CNI path. */
export class CniRunner {
  private readonly found = new Map<string, string>();

  constructor(
    readonly cniPath: string[],
    private readonly timeoutMs = 20_000,
  ) {}

  async findPlugin(type: string): Promise<string> {
    const cached = this.found.get(type);
    if (cached) return cached;
    for (const dir of this.cniPath) {
      const candidate = join(dir, type);
      try {
        await access(candidate, constants.X_OK);
        this.found.set(type, candidate);
        return candidate;
      } catch {
        // next directory
      }
    }
    throw new CniPluginNotFoundError(type, this.cniPath);
  }

  /** Runs one plugin; returns its parsed stdout (undefined when empty, as DEL's is). */
  async exec(
    type: string,
    command: CniCommand,
    att: CniAttachment | undefined,
    conf: object,
  ): Promise<unknown> {
    const bin = await this.findPlugin(type);
    const res = await execa(bin, [], {
      env: pluginEnv(command, att, this.cniPath),
      extendEnv: false,
      input: JSON.stringify(conf),
      reject: false,
      timeout: this.timeoutMs,
    });
    if (res.timedOut) throw new CniTimeoutError(type, command, this.timeoutMs);
    const out = res.stdout.trim();
    let parsed: unknown;
    try {
      parsed = out ? JSON.parse(out) : undefined;
    } catch {
      parsed = undefined;
    }
    if (res.exitCode !== 0) {
      const e = (parsed ?? {}) as { code?: number; msg?: string; details?: string };
      throw new CniPluginError(
        type,
        command,
        e.code ?? 999,
        e.msg ?? (out || `exit ${res.exitCode}`),
        e.details ?? '',
        res.stderr,
      );
    }
    return parsed;
  }

  /**
   * ADD through the list, each plugin getting the previous one's result; returns the final result.
   * `timing` gets each plugin's milliseconds under its type (the deploy's log line shows them).
   */
  async add(
    list: NetworkList,
    att: CniAttachment,
    runtimeConfig: Record<string, unknown> = {},
    timing?: Record<string, number>,
  ): Promise<unknown> {
    let prev: unknown;
    for (const plugin of list.plugins) {
      const t0 = performance.now();
      prev = await this.exec(plugin.type, 'ADD', att, pluginConfig(list, plugin, runtimeConfig, prev));
      if (timing) timing[plugin.type] = Math.round(performance.now() - t0);
    }
    return prev;
  }

  /** DEL through the list in reverse; every plugin is asked even when one fails, then the first error is thrown. */
  async del(
    list: NetworkList,
    att: CniAttachment,
    runtimeConfig: Record<string, unknown> = {},
    prevResult?: unknown,
  ): Promise<void> {
    let first: Error | undefined;
    for (const plugin of [...list.plugins].reverse()) {
      try {
        await this.exec(plugin.type, 'DEL', att, pluginConfig(list, plugin, runtimeConfig, prevResult));
      } catch (err) {
        first ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (first) throw first;
  }

  async check(
    list: NetworkList,
    att: CniAttachment,
    runtimeConfig: Record<string, unknown>,
    prevResult: unknown,
  ): Promise<void> {
    for (const plugin of list.plugins) {
      await this.exec(plugin.type, 'CHECK', att, pluginConfig(list, plugin, runtimeConfig, prevResult));
    }
  }

  async version(type: string): Promise<{ cniVersion: string; supportedVersions: string[] }> {
    return (await this.exec(type, 'VERSION', undefined, { cniVersion: '1.0.0' })) as {
      cniVersion: string;
      supportedVersions: string[];
    };
  }
}
