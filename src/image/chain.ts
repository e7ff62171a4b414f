import { createHash } from 'node:crypto';

/** OCI chain IDs: ChainID(L0) = DiffID(L0); ChainID(Ln) = sha256(ChainID(Ln-1) + " " + DiffID(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const diff of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev ? `sha256:${createHash('sha256').update(`${prev} ${diff}`).digest('hex')}` : diff);
  }
  return out;
}

export const GC = {
  contentConfig: 'containerd.io/gc.ref.content.config',
  contentLayer: (i: number) => `containerd.io/gc.ref.content.l.${i}`,
  contentManifest: (i: number) => `containerd.io/gc.ref.content.m.${i}`,
  snapshot: (snapshotter: string) => `containerd.io/gc.ref.snapshot.${snapshotter}`,
  uncompressed: 'containerd.io/uncompressed',
  root: 'containerd.io/gc.root',
} as const;
