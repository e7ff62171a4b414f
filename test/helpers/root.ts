/** Root-only suites pass this to describe(): they are skipped, with the reason shown, when not root. */
export const needsRoot: string | false =
  process.getuid?.() === 0 ? false : 'skipped: this suite needs root (it runs containerd, CNI and iptables)';
