// Flags of the commands that send sealed files to the controller (verify, reencrypt): which files, how to print
// the answer, how long to wait for it.
import { Flags } from "@oclif/core";
import { DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../cluster/seal-requests.js";

/** `what` completes "... every sealed file of the Git repository", e.g. "check". */
export function fileSetFlags(what: string) {
  return {
    all: Flags.boolean({ description: `${what} every sealed file of the Git repository` }),
    output: Flags.string({ char: "o", description: "output format", options: ["table", "json"], default: "table" }),
    timeout: Flags.integer({ description: "seconds to wait for the controller's answer to each request", default: DEFAULT_REQUEST_TIMEOUT_SECONDS, min: 1 }),
  };
}
