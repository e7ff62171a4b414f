import { execa } from 'execa';

/**
 * Absolute paths of the shared libraries (and the dynamic loader) that `ldd` says a binary needs;
 * empty for a static binary.
 */
export async function sharedLibraries(binary: string): Promise<string[]> {
  const res = await execa('ldd', [binary], { reject: false });
  if (res.exitCode !== 0) return []; // "not a dynamic executable"
  return parseLdd(res.stdout);
}

export function parseLdd(output: string): string[] {
  const paths = new Set<string>();
  for (const line of output.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line);
    if (arrow?.[1]) {
      paths.add(arrow[1]);
      continue;
    }
    const bare = /^\s*(\/\S+)\s+\(/.exec(line);
    if (bare?.[1]) paths.add(bare[1]);
  }
  return [...paths];
}
