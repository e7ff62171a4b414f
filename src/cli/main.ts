#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION, COMMIT, DEFAULTS } from '../config/index.js';
import { registerImageCommands } from './image-commands.js';
import { registerCommands } from './commands.js';
import { registerServiceCommands } from './service-commands.js';
import { registerExportCommand } from './export-command.js';

const program = new Command('faasd')
  .description('faasd-ts: OpenFaaS on containerd, no Kubernetes')
  .option(
    '--address <socket>',
    `containerd socket (env FAASD_CONTAINERD_ADDRESS; default ${DEFAULTS.address})`,
  )
  .option('--namespace <ns>', `containerd namespace (env FAASD_NAMESPACE; default ${DEFAULTS.namespace})`);

program
  .command('version')
  .description('print version and commit, and the Node runtime with its flags')
  .action(() => {
    const flags = process.execArgv.length ? ` ${process.execArgv.join(' ')}` : '';
    process.stdout.write(`faasd-ts ${VERSION} (commit ${COMMIT})\nnode ${process.version}${flags}\n`);
  });

registerImageCommands(program);
registerCommands(program);
registerServiceCommands(program);
registerExportCommand(program);

void program.parseAsync(process.argv);
