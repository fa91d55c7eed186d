// Typed errors of the sealing core. Callers branch on the class (and on UnsealError.reason); the message is
// one line a person can act on: what is wrong, then what to do. No message ever contains a secret value.

/** Base class: every error the core throws on purpose. `hint` is the "what to do" half, kept for CLIs. */
export class SealError extends Error {
  readonly hint: string;

  constructor(problem: string, hint: string, options?: { cause?: unknown }) {
    super(hint === "" ? problem : `${problem}: ${hint}`, options);
    this.name = "SealError";
    this.hint = hint;
  }
}

/** Bad user input: a manifest, a flag value, a key file. The message names the source (file or object). */
export class InputError extends SealError {
  constructor(problem: string, hint: string, options?: { cause?: unknown }) {
    super(problem, hint, options);
    this.name = "InputError";
  }
}

export type UnsealReason = "tampered" | "wrong-scope" | "unknown-key" | "malformed";

/** A sealed value could not be opened. The message names namespace/name/key, never the value. */
export class UnsealError extends SealError {
  readonly reason: UnsealReason;
  /** The Secret data key that failed, when the failure is about one value. */
  readonly dataKey: string | undefined;

  constructor(
    reason: UnsealReason,
    problem: string,
    hint: string,
    options?: { cause?: unknown; dataKey?: string },
  ) {
    super(problem, hint, options);
    this.name = "UnsealError";
    this.reason = reason;
    this.dataKey = options?.dataKey;
  }
}

/**
 * A value could not be tried at all (say, the worker thread opening it stopped): nothing is known about the value,
 * so it is no UnsealError, and trying again may work. The message never includes anything of the value.
 */
export class OpenerUnavailableError extends Error {
  override name = "OpenerUnavailableError";
}

/** A key bundle is malformed, its signature does not verify, or its signer is not the pinned one. */
export class BundleError extends SealError {
  constructor(problem: string, hint: string, options?: { cause?: unknown }) {
    super(problem, hint, options);
    this.name = "BundleError";
  }
}
