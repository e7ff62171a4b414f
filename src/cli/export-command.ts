import type { Command } from 'commander';
import { exportStack } from '../export/index.js';
import { loadCredentials } from '../http/index.js';
import { configFrom, type GlobalFlags } from './context.js';
import { runAction } from './run.js';
import { coreSecretsDir } from '../config/index.js';

export function registerExportCommand(program: Command): void {
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();
  program
    .command('export')
    .description('write every deployed function as a faas-cli stack file (for faas-cli deploy -f)')
    .option('--namespace <ns>', 'only this function namespace (default: every one)')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .option('--provider-url <url>', 'the provider API to read', 'http://127.0.0.1:8081')
    .option('--gateway <url>', "the stack file's provider.gateway", 'http://127.0.0.1:8080')
    .option('--state-dir <dir>', 'faasd state directory, for the basic-auth secrets (env FAASD_STATE_DIR)')
    .action(
      (opts: {
        namespace?: string;
        output?: string;
        providerUrl: string;
        gateway: string;
        stateDir?: string;
      }) =>
        runAction(async () => {
          const cfg = configFrom({ ...globals(), ...(opts.stateDir ? { stateDir: opts.stateDir } : {}) });
          const c = await loadCredentials(coreSecretsDir(cfg));
          const text = await exportStack({
            apiUrl: opts.providerUrl.replace(/\/$/, ''),
            authorization: `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`,
            gateway: opts.gateway,
            namespace: opts.namespace,
            ...(opts.output ? { outFile: opts.output } : {}),
          });
          if (!opts.output) process.stdout.write(text);
        }),
    );
}
