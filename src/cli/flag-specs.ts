// Flag definitions as plain data, with no oclif import: the commands build their oclif flags from them, and the
// fast path of `kubectl seal` (src/cli/seal-fast.ts) parses plain invocations with them without loading oclif
// (~45 ms of every start-up). One definition serves both, so help, parsing and the fast path cannot drift apart.

/** A flag that takes a value (oclif's Flags.string). */
export interface OptionFlagSpec {
  description: string;
  char?: "n" | "o" | "w" | "m";
  multiple?: boolean;
  multipleNonGreedy?: boolean;
  default?: string;
  options?: string[];
  exclusive?: string[];
  dependsOn?: string[];
  helpValue?: string;
  /** Other long names for it, e.g. kubeseal's spelling (--cert for --keys). */
  aliases?: string[];
}

/** An on/off flag (oclif's Flags.boolean), without --no- negation. */
export interface BooleanFlagSpec {
  description: string;
  exclusive?: string[];
  dependsOn?: string[];
}
