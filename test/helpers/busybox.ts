import type { Containerd } from '../../src/containerd/index.js';
import { packImage } from '../../src/image/index.js';
import { type PackedImage } from '../../src/image/pack.js';

/** A busybox image packed from Debian's busybox-static: `sh` and friends as links. */
export function packBusybox(ctd: Containerd, name: string): Promise<PackedImage> {
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: ['sh', 'echo', 'cat', 'sleep', 'httpd', 'wget', 'ip', 'hostname', 'ls', 'nc'].map((n) => ({
      imagePath: `/bin/${n}`,
      target: 'busybox',
    })),
    dirs: [{ imagePath: '/tmp' }, { imagePath: '/etc' }, { imagePath: '/www' }],
    files: [
      {
        imagePath: '/etc/passwd',
        content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n',
      },
    ],
    cmd: ['/bin/sh'],
  });
}
