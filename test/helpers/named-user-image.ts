import type { Containerd } from '../../src/containerd/index.js';
import { packImage } from '../../src/image/index.js';
import { type PackedImage } from '../../src/image/pack.js';

/**
 * The user of an OpenFaaS template image (`addgroup -S app && adduser -S -G app app`, then `USER app`):
 * named, non-root, with a home, and a member of one more group so supplementary groups show.
 */
export const APP_USER = {
  name: 'app',
  uid: 12000,
  gid: 12000,
  home: '/home/app',
  extraGroup: { name: 'extra', gid: 12001 },
} as const;

export interface NamedUserImageOptions {
  /** The image's Entrypoint; none when absent. */
  entrypoint?: string[];
  /** The image's Cmd; `["/bin/sh"]` when absent and no entrypoint is given. */
  cmd?: string[];
  /** Added after PATH. HOME is not set, so the runtime's HOME from passwd shows. */
  env?: string[];
}

/** busybox applets linked in /bin: enough for shell scripts, servers and the checks tests make. */
const APPLETS = [
  'sh',
  'echo',
  'cat',
  'sleep',
  'httpd',
  'wget',
  'nc',
  'id',
  'ls',
  'true',
  'grep',
  'hostname',
  'touch',
];

/** The image's own /etc/passwd and /etc/group defining APP_USER, as an OpenFaaS template's image has. */
export function appUserFiles(): { imagePath: string; content: string }[] {
  const u = APP_USER;
  return [
    {
      imagePath: '/etc/passwd',
      content: [
        'root:x:0:0:root:/root:/bin/sh',
        'nobody:x:65534:65534:nobody:/:/sbin/nologin',
        `${u.name}:x:${u.uid}:${u.gid}:Linux User,,,:${u.home}:/sbin/nologin`,
        '',
      ].join('\n'),
    },
    {
      imagePath: '/etc/group',
      content: [
        'root:x:0:root',
        'nogroup:x:65534:',
        `${u.name}:x:${u.gid}:${u.name}`,
        `${u.extraGroup.name}:x:${u.extraGroup.gid}:${u.name}`,
        '',
      ].join('\n'),
    },
  ];
}

/**
 * Packs into `ctd` (its namespace) a busybox-static image whose config says `User: "app"` and whose
 * own /etc/passwd and /etc/group define APP_USER. /home/app exists but is root's (packImage sets no
 * owners); /tmp is 1777, so the user can write there.
 */
export function packNamedUserImage(
  ctd: Containerd,
  name: string,
  opts: NamedUserImageOptions = {},
): Promise<PackedImage> {
  const u = APP_USER;
  return packImage(ctd, {
    name,
    binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
    links: APPLETS.map((n) => ({ imagePath: `/bin/${n}`, target: 'busybox' })),
    dirs: [{ imagePath: '/tmp' }, { imagePath: u.home }],
    files: appUserFiles(),
    user: u.name,
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...(opts.env ?? [])],
    ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.cmd || !opts.entrypoint ? { cmd: opts.cmd ?? ['/bin/sh'] } : {}),
  });
}
