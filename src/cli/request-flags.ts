// Flags of the commands that ask the controller through SealRequests: verify and reencrypt (which files, how to
// print the answer) and keys rotate/retire (why), all of which wait for the answer.
import { Flags } from "@oclif/core";
import { DEFAULT_REQUEST_TIMEOUT_SECONDS } from "../cluster/seal-requests.js";

export const timeoutFlag = Flags.integer({ description: "seconds to wait for the controller's answer to each request", default: DEFAULT_REQUEST_TIMEOUT_SECONDS, min: 1 });

export const reasonFlag = Flags.string({ description: "why; recorded in the controller's audit Event", helpValue: "TEXT" });

/** `what` completes "... every sealed file of the Git repository", e.g. "check". */
export function fileSetFlags(what: string) {
  return {
    all: Flags.boolean({ description: `${what} every sealed file of the Git repository` }),
    output: Flags.string({ char: "o", description: "output format", options: ["table", "json"], default: "table" }),
    timeout: timeoutFlag,
  };
}
