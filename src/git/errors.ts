// Errors of the Git store: what is wrong, then what to do (the CLI prints both on one line).
import { SealError } from "../errors.js";

export class GitStoreError extends SealError {
  constructor(problem: string, hint: string, options?: { cause?: unknown }) {
    super(problem, hint, options);
    this.name = "GitStoreError";
  }
}
