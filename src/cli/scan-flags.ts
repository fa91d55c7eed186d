// The flags of `kubectl seal scan` (commands/scan.ts) as plain data: the command builds its oclif flags from these,
// and the fast path (scan-fast.ts) parses plain invocations with them without loading oclif.
import type { BooleanFlagSpec, OptionFlagSpec } from "./flag-specs.js";

export const scanOptionFlags = {
  since: { description: "with --history: only commits not reachable from REV (a commit, branch or tag)", helpValue: "REV", dependsOn: ["history"] },
  "max-count": { description: "with --history: only the newest N commits", helpValue: "N", dependsOn: ["history"] },
  output: { char: "o", description: "output format (sarif: SARIF 2.1.0 for code scanning)", options: ["table", "json", "sarif"], default: "table" },
} satisfies Record<string, OptionFlagSpec>;

export const scanBooleanFlags = {
  staged: { description: "scan the changes staged for commit (the index) instead of the working tree", exclusive: ["history"] },
  history: { description: "scan every commit reachable from any branch, tag or ref", exclusive: ["staged"] },
  strict: { description: "also report Secrets whose values are all empty or placeholders" },
} satisfies Record<string, BooleanFlagSpec>;
