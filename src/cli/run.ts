import { FaasdError, errorMessage } from '../errors.js';

/** Exit codes by error kind: 2 for bad input, 3 not found, 4 conflict, 5 unavailable, 1 otherwise. */
const EXIT: Record<string, number> = {
  invalid: 2,
  'not-found': 3,
  exists: 4,
  unavailable: 5,
  timeout: 5,
  auth: 6,
};

export function exitCodeOf(err: unknown): number {
  return err instanceof FaasdError ? (EXIT[err.kind] ?? 1) : 1;
}

/** Runs a command's one call; a failure prints one line and sets the exit code. */
export async function runAction(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    process.stderr.write(`faasd: ${errorMessage(err)}\n`);
    process.exitCode = exitCodeOf(err);
  }
}
