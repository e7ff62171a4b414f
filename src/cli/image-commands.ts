import type { Command } from 'commander';
import {
  exportImages,
  importImages,
  listImages,
  packImage,
  progressFor,
  pullImage,
  removeImage,
  formatImageTable,
  packSpecFromFlags,
} from '../image/index.js';
import { withHost } from '../host/index.js';
import { cliLog, configFrom, withContainerd, type GlobalFlags } from './context.js';

import { runAction } from './run.js';

export function registerImageCommands(program: Command): void {
  const image = program.command('image').description('pull, pack, list, remove, import and export images');
  const globals = (): GlobalFlags => program.opts<GlobalFlags>();

  image
    .command('pull <reference>')
    .description('pull an image from a registry and unpack it')
    .action((reference: string) =>
      runAction(async () => {
        await withHost(configFrom(globals()), cliLog, async ({ containerd, registry }) => {
          const pulled = await pullImage(containerd, registry, reference, {
            progress: progressFor(process.stderr),
          });
          process.stdout.write(`${pulled.name} ${pulled.target.digest}\n`);
        });
      }),
    );

  image
    .command('ls')
    .description('list images')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) =>
      runAction(async () => {
        await withContainerd(configFrom(globals()), async (ctd) => {
          const images = await listImages(ctd);
          process.stdout.write(opts.json ? `${JSON.stringify(images, null, 2)}\n` : formatImageTable(images));
        });
      }),
    );

  image
    .command('rm <reference...>')
    .description('remove images')
    .action((refs: string[]) =>
      runAction(async () => {
        await withContainerd(configFrom(globals()), async (ctd) => {
          for (const r of refs) await removeImage(ctd, r);
        });
      }),
    );

  image
    .command('pack <name>')
    .description('make an image from host files (binaries with their shared libraries)')
    .option('--binary <path...>', 'host binary; its shared libraries are added too')
    .option('--file <host:image...>', 'host file or directory, and where it goes in the image')
    .option('--entrypoint <arg...>', 'entrypoint')
    .option('--cmd <arg...>', 'cmd')
    .option('--env <KEY=VALUE...>', 'environment')
    .option('--user <uid:gid>', 'user')
    .option('--workdir <dir>', 'working directory')
    .action((name: string, flags: Record<string, string | string[] | undefined>) =>
      runAction(async () => {
        await withContainerd(configFrom(globals()), async (ctd) => {
          const packed = await packImage(ctd, packSpecFromFlags(name, flags));
          process.stdout.write(`${packed.name} ${packed.target.digest}\n`);
        });
      }),
    );

  image
    .command('import <archive>')
    .description('import an OCI image archive')
    .option('--name <reference>', 'name for an image the archive does not name')
    .action((archive: string, opts: { name?: string }) =>
      runAction(async () => {
        await withContainerd(configFrom(globals()), async (ctd) => {
          for (const n of await importImages(ctd, archive, opts.name)) process.stdout.write(`${n}\n`);
        });
      }),
    );

  image
    .command('export <archive> <reference...>')
    .description('export images as an OCI image archive')
    .action((archive: string, refs: string[]) =>
      runAction(async () => {
        await withContainerd(configFrom(globals()), (ctd) => exportImages(ctd, refs, archive));
      }),
    );
}
