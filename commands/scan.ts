import { Args, Command, Flags } from "@oclif/core";
import { scanBooleanFlags, scanOptionFlags } from "../src/cli/scan-flags.js";
import { runScan } from "../src/cli/scan-run.js";

// Plain invocations skip oclif altogether (src/cli/scan-fast.ts); this class serves help, errors and the rest.
export default class Scan extends Command {
  static override summary = "Find plaintext Secret manifests before they are pushed.";

  static override description = [
    "Looks for kind Secret (apiVersion v1) with data or stringData, in single and multi-document YAML, JSON and Lists, and for kustomize secretGenerator entries (literals always; envs and files when the files they read are in Git).",
    "Scans the working tree (honouring .gitignore), the changes staged for commit (--staged), or every commit reachable from any branch, tag or ref (--history; --since REV and --max-count N narrow it for incremental CI runs). Reports file, document, name, namespace and key names, never a value.",
    "A Secret whose values are all empty or placeholders (REPLACE_ME, changeme, <...>, ${...}, {{ ... }}) is not reported unless --strict.",
    "Exit status: 1 when plaintext Secrets are found, 0 when none are, 2 on usage errors. See docs/pre-commit.md for use as a pre-commit hook and in CI.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> scan",
    "<%= config.bin %> scan deploy/ -o json",
    "<%= config.bin %> scan --staged   # as a pre-commit hook",
    "<%= config.bin %> scan --history",
    "<%= config.bin %> scan --history --since origin/main -o sarif > kubectl-seal.sarif   # CI: only new commits",
  ];

  static override args = {
    path: Args.string({ description: "file or directory to scan (default: the current directory)", required: false }),
  };

  // The definitions are plain data (src/cli/scan-flags.ts), shared with the fast path.
  static override flags = {
    staged: Flags.boolean(scanBooleanFlags.staged),
    history: Flags.boolean(scanBooleanFlags.history),
    since: Flags.string(scanOptionFlags.since),
    "max-count": Flags.integer({ ...scanOptionFlags["max-count"], min: 1 }),
    strict: Flags.boolean(scanBooleanFlags.strict),
    output: Flags.string(scanOptionFlags.output),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Scan);
    const status = await runScan(args.path, flags);
    if (status !== 0) this.exit(status);
  }
}
