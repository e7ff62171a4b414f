import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string }>;
}

export function defaultDockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json');
}

/** Keys Docker writes for a host: bare host, with scheme, and Docker Hub's legacy v1 URL. */
function candidateKeys(host: string): string[] {
  const keys = [host, `https://${host}`, `http://${host}`, `https://${host}/v1/`, `https://${host}/v2/`];
  if (host === 'docker.io' || host === 'registry-1.docker.io') {
    keys.push('https://index.docker.io/v1/', 'index.docker.io', 'docker.io');
  }
  return keys;
}

/** Reads basic credentials for `host` from a Docker config.json; a missing file means anonymous. */
export async function loadCredentials(path: string, host: string): Promise<Credentials | undefined> {
  let parsed: DockerConfigFile;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as DockerConfigFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const auths = parsed.auths ?? {};
  for (const key of candidateKeys(host)) {
    const entry = auths[key];
    if (!entry) continue;
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      if (sep > 0) return { username: decoded.slice(0, sep), password: decoded.slice(sep + 1) };
    }
    if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  }
  return undefined;
}
