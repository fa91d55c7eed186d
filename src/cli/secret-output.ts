// When `kubectl seal recover` may print plaintext values: never to a terminal (where they end up in scrollback,
// screen recordings and shoulder views) unless the user asked for it explicitly; to a file or pipe, yes.
import { SealError } from "../errors.js";

export interface PrintTarget {
  /** -w FILE given: the values go to a 0600 file, not the screen. */
  toFile: boolean;
  /** stdout is a terminal. */
  stdoutIsTerminal: boolean;
  /** The explicit flag was given. */
  allowed: boolean;
}

/** Throws unless the values may be written where they are going. */
export function checkMayPrintSecrets(target: PrintTarget): void {
  if (target.toFile || !target.stdoutIsTerminal || target.allowed) return;
  throw new SealError(
    "refusing to print Secret values to a terminal",
    "write them to a file with -w FILE, pipe the output, or pass --yes-print-secrets",
  );
}
