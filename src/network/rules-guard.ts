import { ensureSubnetRules, removeSubnetRules } from './subnet-rules.js';
import { guardLocalnet, unguardLocalnet } from './localnet.js';
import type { IpamStore } from './ipam-store.js';

/** How long the host rules, once checked, are taken as still there (a flush by hand is repaired after). */
const RECHECK_MS = 10_000;

/**
 * The host rules every attachment relies on: the localnet guard, the subnet's masquerade and forward
 * rules. Checked under the store's lock, so processes attaching at once add them once.
 */
export class HostRulesGuard {
  private checkedAt = -Infinity;
  /** The check under way, if any: a start's own, or a background recheck. */
  private running: Promise<void> | undefined;

  constructor(
    private readonly bridge: string,
    private readonly subnet: string,
    private readonly store: IpamStore,
  ) {}

  /**
   * Starts the check without waiting for it (a daemon's start: its ~10 iptables calls need not delay
   * the first answer). The first attach waits for it; after a failure it checks again, and fails with it.
   */
  begin(onError?: (err: unknown) => void): void {
    this.running ??= this.check().finally(() => (this.running = undefined));
    this.running.catch((err: unknown) => onError?.(err)); // and the first attach checks again
  }

  /**
   * Before an attach: the first one waits for a check (the one under way, or a new one); after that at
   * most every 10 s, in the background (the ~10 calls under the lock were a deploy's cost, issue #16).
   */
  async ensure(): Promise<void> {
    if (this.checkedAt === -Infinity) {
      await this.running?.catch(() => undefined);
      if (this.checkedAt === -Infinity) return this.check();
      return;
    }
    if (this.running || performance.now() - this.checkedAt < RECHECK_MS) return;
    this.running = this.check()
      .catch(() => (this.checkedAt = -Infinity)) // the next attach checks again, and waits
      .then(() => (this.running = undefined));
  }

  /** Removes the localnet guard and the subnet's rules, after any check under way. */
  async remove(): Promise<void> {
    await this.running?.catch(() => undefined);
    await unguardLocalnet(this.bridge);
    await removeSubnetRules(this.bridge, this.subnet);
  }

  private async check(): Promise<void> {
    await this.store.withLock(async () => {
      await guardLocalnet(this.bridge);
      await ensureSubnetRules(this.bridge, this.subnet);
    });
    this.checkedAt = performance.now();
  }
}
