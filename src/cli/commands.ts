import type { Command } from 'commander';

/** Commands of the other subsystems (net, up, provider, install) register here as they land. */
export function registerCommands(_program: Command): void {}
