// The base class of kubectl-seal's commands: any failure becomes exactly one line on stderr and exit status 2,
// never a stack trace. Errors are typed (src/errors.ts) and their message already says what is wrong and what to
// do, so the command only has to throw. oclif's own errors (unknown flag, missing argument, this.error(),
// this.exit()) keep oclif's handling: they come with usage help and their own exit codes.
import { Command, Errors } from "@oclif/core";
import { EXIT_FAILURE, errorMessage } from "./output.js";

export { EXIT_FAILURE } from "./output.js";

export abstract class SealCommand extends Command {
  /** Print `kubectl-seal: error: ...` for anything but oclif's own errors, and exit 2. */
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof Errors.CLIError) return super.catch(error);
    this.logToStderr(errorMessage(error));
    return this.exit(EXIT_FAILURE);
  }

  /** A note for the user on stderr (progress, what was written), keeping stdout for the command's output. */
  protected note(line: string): void {
    this.logToStderr(line);
  }
}
