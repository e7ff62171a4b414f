import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseGroup, parsePasswd } from '../../src/runtime/passwd.js';
import { needsUserFiles, parseUserSpec, resolveUser, type UserSpec } from '../../src/runtime/user.js';
import { readInRoot } from '../../src/runtime/image-files.js';
import { InvalidArgumentError } from '../../src/errors.js';

// Shaped like an OpenFaaS template image (Alpine base, `addgroup -S app && adduser -S -G app app`).
const PASSWD = [
  'root:x:0:0:root:/root:/bin/ash',
  'nobody:x:65534:65534:nobody:/:/sbin/nologin',
  '# a comment',
  '',
  'broken:x:notanumber:0::/:/bin/sh',
  'app:x:12000:12000:Linux User,,,:/home/app:/sbin/nologin',
  'nohome:x:12002:12002::::',
].join('\n');
const GROUP = [
  'root:x:0:root',
  'bin:x:1:root,bin,daemon',
  'wheel:x:10:root',
  'app:x:12000:app',
  'extra:x:12001:nobody, app',
  'nogroup:x:65533:',
].join('\n');
const FILES = { passwd: PASSWD, group: GROUP };
const IMAGE = 'docker.io/functions/app:1';

describe('passwd and group parsing', () => {
  it('reads passwd entries, skipping comments, blanks and malformed lines', () => {
    assert.deepEqual(parsePasswd(PASSWD), [
      { name: 'root', uid: 0, gid: 0, home: '/root' },
      { name: 'nobody', uid: 65534, gid: 65534, home: '/' },
      { name: 'app', uid: 12000, gid: 12000, home: '/home/app' },
      { name: 'nohome', uid: 12002, gid: 12002, home: '' },
    ]);
  });
  it('reads groups with their member lists', () => {
    assert.deepEqual(parseGroup(GROUP), [
      { name: 'root', gid: 0, members: ['root'] },
      { name: 'bin', gid: 1, members: ['root', 'bin', 'daemon'] },
      { name: 'wheel', gid: 10, members: ['root'] },
      { name: 'app', gid: 12000, members: ['app'] },
      { name: 'extra', gid: 12001, members: ['nobody', 'app'] },
      { name: 'nogroup', gid: 65533, members: [] },
    ]);
  });
});

describe('user specs (the forms Docker accepts)', () => {
  const cases: { name: string; input: string | undefined; want: UserSpec }[] = [
    { name: 'absent is root', input: undefined, want: { user: { id: 0 } } },
    { name: 'empty is root', input: '', want: { user: { id: 0 } } },
    { name: 'name', input: 'app', want: { user: { name: 'app' } } },
    { name: 'uid', input: '1000', want: { user: { id: 1000 } } },
    { name: 'name:group', input: 'app:extra', want: { user: { name: 'app' }, group: { name: 'extra' } } },
    { name: 'uid:gid', input: '1000:2000', want: { user: { id: 1000 }, group: { id: 2000 } } },
    { name: 'uid:groupname', input: '1000:extra', want: { user: { id: 1000 }, group: { name: 'extra' } } },
    { name: 'name:gid', input: 'app:0', want: { user: { name: 'app' }, group: { id: 0 } } },
    { name: 'an empty group is none', input: 'app:', want: { user: { name: 'app' } } },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(parseUserSpec(c.input, IMAGE), c.want));

  const bad = ['a:b:c', ':0', '-1', '4294967296', 'app:99999999999', 'a b', 'a,b'];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} naming the field`, () =>
      assert.throws(
        () => parseUserSpec(input, IMAGE),
        (err) => err instanceof InvalidArgumentError && err.field === 'user' && err.status === 400,
      ));
  }
});

describe('user resolution against the image', () => {
  const cases: { name: string; input: string | undefined; want: ReturnType<typeof resolveUser> }[] = [
    {
      name: 'root gets its groups and /root',
      input: undefined,
      want: { uid: 0, gid: 0, additionalGids: [1, 10], home: '/root' },
    },
    {
      name: 'a name gets its gid, supplementary groups and home',
      input: 'app',
      want: { uid: 12000, gid: 12000, additionalGids: [12001], home: '/home/app' },
    },
    {
      name: 'a listed uid is the same user',
      input: '12000',
      want: { uid: 12000, gid: 12000, additionalGids: [12001], home: '/home/app' },
    },
    {
      name: 'an unlisted uid runs with gid 0 and HOME /',
      input: '4242',
      want: { uid: 4242, gid: 0, additionalGids: [], home: '/' },
    },
    {
      name: 'an explicit group replaces the gid and drops supplementary groups',
      input: 'app:extra',
      want: { uid: 12000, gid: 12001, additionalGids: [], home: '/home/app' },
    },
    {
      name: 'uid:gid needs no entries',
      input: '4242:4343',
      want: { uid: 4242, gid: 4343, additionalGids: [], home: '/' },
    },
    {
      name: 'uid:groupname',
      input: '4242:extra',
      want: { uid: 4242, gid: 12001, additionalGids: [], home: '/' },
    },
    {
      name: 'name:gid',
      input: 'app:0',
      want: { uid: 12000, gid: 0, additionalGids: [], home: '/home/app' },
    },
    {
      name: 'an empty home is /',
      input: 'nohome',
      want: { uid: 12002, gid: 12002, additionalGids: [], home: '/' },
    },
  ];
  for (const c of cases)
    it(c.name, () => assert.deepEqual(resolveUser(parseUserSpec(c.input, IMAGE), FILES, IMAGE), c.want));

  it('a numeric uid works in an image without passwd', () =>
    assert.deepEqual(
      resolveUser(parseUserSpec('1000', IMAGE), { passwd: undefined, group: undefined }, IMAGE),
      {
        uid: 1000,
        gid: 0,
        additionalGids: [],
        home: '/',
      },
    ));

  const unknown = [
    { input: 'ghost', files: FILES },
    { input: 'app', files: { passwd: undefined, group: undefined } },
    { input: 'app:ghosts', files: FILES },
    { input: '1000:extra', files: { passwd: PASSWD, group: undefined } },
  ];
  for (const c of unknown) {
    it(`an unknown name in ${JSON.stringify(c.input)} is a 400 naming the image`, () =>
      assert.throws(
        () => resolveUser(parseUserSpec(c.input, IMAGE), c.files, IMAGE),
        (err) =>
          err instanceof InvalidArgumentError &&
          err.field === 'user' &&
          err.status === 400 &&
          err.message.includes(IMAGE),
      ));
  }

  it('reads the image only when ids alone do not settle uid, gid and HOME', () => {
    assert.equal(needsUserFiles(parseUserSpec('1000:1000', IMAGE), true), false);
    assert.equal(needsUserFiles(parseUserSpec('1000:1000', IMAGE), false), true);
    assert.equal(needsUserFiles(parseUserSpec('1000', IMAGE), true), true);
    assert.equal(needsUserFiles(parseUserSpec('app:1000', IMAGE), true), true);
  });
});

describe('reading a file inside an image root', () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'faasd-unit-root-'));
    root = join(dir, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    await mkdir(join(root, 'usr/lib'), { recursive: true });
    await writeFile(join(dir, 'host-secret'), 'host\n');
    await writeFile(join(root, 'host-secret'), 'image\n');
    await writeFile(join(root, 'usr/lib/passwd'), 'app:x:1:1::/:/bin/sh\n');
    await symlink('../usr/lib/passwd', join(root, 'etc/passwd'));
    await symlink(join(dir, 'host-secret'), join(root, 'etc/group'));
    await symlink('../../../host-secret', join(root, 'etc/shadow'));
    await symlink('loop', join(root, 'etc/loop'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('follows a relative link inside the root', async () =>
    assert.equal(await readInRoot(root, '/etc/passwd', IMAGE), 'app:x:1:1::/:/bin/sh\n'));
  it('an absolute link starts again at the root, not the host', async () =>
    assert.equal(await readInRoot(root, '/etc/group', IMAGE), undefined));
  it('.. stops at the root', async () =>
    assert.equal(await readInRoot(root, '/etc/shadow', IMAGE), 'image\n'));
  it('an absent file is undefined', async () =>
    assert.equal(await readInRoot(root, '/etc/nope', IMAGE), undefined));
  it('a link loop is an error, not a hang', async () =>
    assert.rejects(readInRoot(root, '/etc/loop', IMAGE), InvalidArgumentError));
});
