// Copies what tsc does not (the .proto files) into dist/, and records version + commit for `faasd version`.
import { cpSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

cpSync('src/containerd/proto', 'dist/containerd/proto', { recursive: true });
cpSync('cni-conf', 'dist/cni-conf', { recursive: true });
cpSync('src/runtime/bin', 'dist/runtime/bin', { recursive: true });
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
} catch {
  // not a git checkout
}
writeFileSync('dist/build-info.json', JSON.stringify({ version: pkg.version, commit }) + '\n');
chmodSync('dist/cli/main.js', 0o755);
