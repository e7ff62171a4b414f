import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../fs.js';

/**
 * The runc v2 shim in a mount namespace of its own (issue #16: task start flat in N). The shim mounts
 * each container's rootfs overlay in the namespace it runs in, and runc reads /proc/self/mountinfo five
 * times per create + start; with every overlay in the host's table those reads grew to 50-100 ms per
 * task start at N = 1,000 (docs/field-notes.md). In a namespace of its own, a slave of the host's, a
 * shim's overlays never reach the host, while the netns binds made later under the shared /run/netns
 * still reach it. Docker's containerd shim does the same (unshare CLONE_NEWNS, rslave).
 *
 * containerd 1.6 takes an absolute path as a container's runtime name and runs it for `start`,
 * `delete` (after a dead shim) and nothing else; `start` forks the long-running shim (os.Executable,
 * the real binary), which stays in the wrapper's namespace, so every container of a shim group is
 * mounted there. Without --fork, unshare execs the shim: no extra process stays.
 *
 * The path is kept in each container's record and used whenever containerd cleans up after its shim,
 * so the file must outlive every container made with it: it lives in the state dir, is rewritten only
 * when its content differs, and is never removed while faasd's state is kept (config/paths.ts:
 * shimWrapperFile).
 *
 * The script names programs, not paths: containerd runs a shim with its own PATH (where it found
 * containerd-shim-runc-v2 itself), and unshare (util-linux) looks the shim up in that PATH.
 */
export const SHIM_WRAPPER_SCRIPT = [
  '#!/bin/sh',
  '# Written by faasd (src/runtime/shim-wrapper.ts): the runc v2 shim in a mount namespace of its own,',
  "# a slave of the host's, so its containers' rootfs mounts stay out of the host's mount table.",
  '# containerd keeps this path in each container it ran with it: do not remove it while they exist.',
  'exec unshare --mount --propagation slave containerd-shim-runc-v2 "$@"',
  '',
].join('\n');

/** Writes the wrapper at `path` unless it is there with this content and executable; returns `path`. */
export async function ensureShimWrapper(path: string): Promise<string> {
  const [content, info] = await Promise.all([
    readFile(path, 'utf8').catch(() => undefined),
    stat(path).catch(() => undefined),
  ]);
  if (content === SHIM_WRAPPER_SCRIPT && info && (info.mode & 0o755) === 0o755) return path;
  await mkdir(dirname(path), { recursive: true, mode: 0o755 });
  // Beside and renamed over: a shim starting meanwhile runs the old file or the new, never half of one.
  await writeFileAtomic(path, SHIM_WRAPPER_SCRIPT, 0o755);
  await chmod(path, 0o755); // whatever the umask took away
  return path;
}
