// The base class of kubectl-seal's commands: any failure becomes exactly one line on stderr and exit status 2,
// never a stack trace. Errors are typed (src/errors.ts) and their message already says what is wrong and what to
// do, so the command only has to throw. oclif's usage errors (unknown flag, missing argument, bad value) get the
// same one line (usage-error.ts) instead of oclif's several lines and usage help; this.exit() keeps its status.
import { Command, Errors } from "@oclif/core";
import { EXIT_FAILURE, errorMessage } from "./output.js";
import { usageErrorLine, usageProblem } from "./usage-error.js";

export { EXIT_FAILURE } from "./output.js";

export abstract class SealCommand extends Command {
  /** Print `kubectl-seal: error: ...` for anything but oclif's own errors, and exit 2. */
  protected override async catch(error: Error & { exitCode?: number }): Promise<unknown> {
    if (error instanceof Errors.ExitError) return super.catch(error);
    const problem = error instanceof Errors.CLIError ? usageProblem(error) : undefined;
    this.logToStderr(problem === undefined ? errorMessage(error) : usageErrorLine(problem, this.id));
    return this.exit(EXIT_FAILURE);
  }

  /** A note for the user on stderr (progress, what was written), keeping stdout for the command's output. */
  protected note(line: string): void {
    this.logToStderr(line);
  }
}
