// Waiting for a condition by polling with a deadline: tests never sleep for a fixed time.
import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  /** What we wait for, for the timeout message. */
  what: string;
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than undefined/false, and returns that. Errors thrown by the probe
 * count as "not yet" (the API server may be restarting); the last one is in the timeout message.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError === undefined ? "" : ` (last error: ${lastError instanceof Error ? lastError.message.split("\n")[0] : String(lastError)})`;
      throw new Error(`timed out after ${opts.timeoutMs ?? 60_000} ms waiting for ${opts.what}${why}`);
    }
    await sleep(opts.intervalMs ?? 200);
  }
}
