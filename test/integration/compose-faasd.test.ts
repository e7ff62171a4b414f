import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { needsRoot } from '../helpers/root.js';
import { startContainerd, type TestContainerd } from '../helpers/containerd.js';
import { packBusybox } from '../helpers/busybox.js';
import { packNamedUserImage } from '../helpers/named-user-image.js';
import { freePort } from '../helpers/registry.js';
import { pollUntil } from '../helpers/wait.js';
import { runFaasd, type FaasdProcess } from '../helpers/faasd-process.js';
import { isolatedEnv } from '../helpers/test-env.js';
import { removeTestStack } from '../helpers/host-cleanup.js';
import { packImage } from '../../src/image/index.js';
import { resolveConfig } from '../../src/config/index.js';

// The OpenFaaS gateway runs as a non-root user and exits when it cannot read its basic-auth file. A
// numeric user stands in for now; with named users (test/helpers/named-user-image.ts) this becomes an
// image with `USER app` and no `user:` here.
const SERVICE_USER = '12000:12000';

/** Runs `cat FILE` as nobody: which host users can read what `faasd up` left. */
const catAsNobody = (file: string) =>
  execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'cat', file], { reject: false });

describe("faasd up -f with a compose file in faasd's own format", { skip: needsRoot }, () => {
  let ctd: TestContainerd;
  let root: string;
  let state: string;
  let env: Record<string, string>;
  let webPort: number;
  let readerPort: number;
  let appPort: number;
  const running: FaasdProcess[] = [];

  before(async () => {
    ctd = await startContainerd('compose-faasd');
    root = await mkdtemp('/tmp/faasd-test-compose-faasd-');
    // Other users may cross every folder up to the state dir: the secrets dir alone must keep them out.
    await chmod(root, 0o755);
    state = join(root, 'state');
    env = isolatedEnv(ctd, {
      stateDir: state,
      providerDir: join(root, 'provider'),
      bridgePrefix: 'fcf',
      subnetBase: '10.207',
    });
    const c = ctd.client.inNamespace(env.FAASD_NAMESPACE ?? '');
    await packBusybox(c, 'faasd.test/busybox:1');
    // Like nats-streaming in faasd's compose file, `command` names the whole command line; appended
    // to this entrypoint (docker compose's way) it would only ever run `false`.
    await packImage(c, {
      name: 'faasd.test/false-entrypoint:1',
      binaries: [{ hostPath: '/bin/busybox', imagePath: '/bin/busybox' }],
      links: [{ imagePath: '/bin/httpd', target: 'busybox' }],
      dirs: [{ imagePath: '/tmp' }],
      entrypoint: ['/bin/busybox', 'false'],
    });
    // An OpenFaaS-style image: `USER app` names a user of its own /etc/passwd.
    await packNamedUserImage(c, 'faasd.test/app:1');
    webPort = await freePort();
    readerPort = await freePort();
    appPort = await freePort();

    await mkdir(join(state, 'www'), { recursive: true });
    await writeFile(join(state, 'www', 'index.html'), 'hello from a relative bind\n');
    // What an older faasd-ts install left: basic-auth files only root could read.
    await mkdir(join(state, 'secrets'), { mode: 0o755 });
    await writeFile(join(state, 'secrets', 'basic-auth-user'), 'admin\n', { mode: 0o600 });
    await writeFile(join(state, 'secrets', 'basic-auth-password'), 'older-password\n', { mode: 0o600 });
    await writeFile(
      join(state, 'stack.yaml'),
      `version: "3.7"
services:
  web:
    image: faasd.test/false-entrypoint:1
    command:
      - "/bin/httpd"
      - "-f"
      - "-p"
      - "8080"
      - "-h"
      - "/www"
    volumes:
      - ./www:/www:ro
    ports:
      - "127.0.0.1:${webPort}:8080"

  reader:
    image: faasd.test/busybox:1
    user: "${SERVICE_USER}"
    # A slow starter that reads its secret first and exits when it cannot, as the gateway does.
    command: ["sh", "-c", "sleep 1; cat /run/secrets/basic-auth-user > /data/user || exit 1; exec httpd -f -p 8080 -h /data"]
    volumes:
      - type: bind
        source: ./secrets/basic-auth-user
        target: /run/secrets/basic-auth-user
        read_only: true
      # Missing: faasd up makes it, owned by the service's user.
      - type: bind
        source: ./reader-data
        target: /data
    cap_add:
      - CAP_NET_RAW
    depends_on:
      - web
    ports:
      - "127.0.0.1:${readerPort}:8080"

  app:
    image: faasd.test/app:1
    user: "app"
    command: ["sh", "-c", "sleep 1; cat /run/secrets/basic-auth-user > /tmp/user || exit 1; id -u >> /tmp/user; exec httpd -f -p 8080 -h /tmp"]
    volumes:
      - type: bind
        source: ./secrets/basic-auth-user
        target: /run/secrets/basic-auth-user
        read_only: true
    ports:
      - "127.0.0.1:${appPort}:8080"
`,
    );
  });

  after(async () => {
    for (const p of running) if (p.proc.exitCode === null) p.proc.kill('SIGKILL');
    for (const p of running) await p.exited;
    if (env) await removeTestStack(ctd, resolveConfig({}, env, {}), root).catch(() => undefined);
    await ctd?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  const page = (port: number, path: string) => async () => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    return res.ok ? await res.text() : undefined;
  };

  it('comes up: command replaces the entrypoint, relative binds, a non-root service reads its secret', async () => {
    // A relative -f names a file in the state directory, as faasd's does in /var/lib/faasd.
    const p = runFaasd(['up', '-f', 'stack.yaml', '--no-provider'], env);
    running.push(p);
    const early = p.exited.then((code) => {
      throw new Error(`faasd up exited (${code}): ${p.output()}`);
    });
    early.catch(() => undefined);

    const user = await pollUntil('the reader to serve the secret it read', page(readerPort, '/user'), {
      timeoutMs: 60_000,
      early,
    }).catch((err: unknown) => {
      throw new Error(`the reader never served its secret; faasd up said:\n${p.output()}`, { cause: err });
    });
    assert.equal(user, 'admin\n');
    // A service running as a named user (`user: "app"`, uid 12000 in the image's passwd) reads it too.
    assert.equal(
      await pollUntil('the app service to serve its secret', page(appPort, '/user'), { early }),
      'admin\n12000\n',
    );
    assert.equal(
      await pollUntil('the web page', page(webPort, '/'), { early }),
      'hello from a relative bind\n',
    );
    assert.doesNotMatch(p.output(), /service exited; restarting/, 'no service failed on its way up');

    // The secrets were migrated: files any container user can read, in a directory only root enters.
    const secrets = join(state, 'secrets');
    assert.equal((await stat(secrets)).mode & 0o777, 0o700);
    assert.equal((await stat(join(secrets, 'basic-auth-user'))).mode & 0o777, 0o644);
    const denied = await catAsNobody(join(secrets, 'basic-auth-user'));
    assert.notEqual(denied.exitCode, 0, 'nobody on the host read the secret');
    assert.match(denied.stderr, /Permission denied/);
    // The same user reads a file beside it: the secrets directory is what keeps it out.
    assert.equal((await catAsNobody(join(state, 'www', 'index.html'))).stdout, 'hello from a relative bind');

    const data = await stat(join(state, 'reader-data'));
    assert.deepEqual([data.uid, data.gid], [12000, 12000]);

    p.proc.kill('SIGTERM');
    assert.equal(await p.exited, 0, p.output());
    assert.deepEqual(await ctd.client.inNamespace(env.FAASD_NAMESPACE ?? '').containers.list(), []);
  });
});
