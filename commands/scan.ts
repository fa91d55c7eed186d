import { Args, Command, Flags } from "@oclif/core";
import type { PlaintextFinding } from "../src/git/plaintext.js";
import { toSarif } from "../src/git/sarif.js";
import { scanForPlaintext, type ScanReport } from "../src/git/scan.js";
import { errorLine, progressLine, renderTable } from "../src/cli/output.js";

export default class Scan extends Command {
  static override summary = "Find plaintext Secret manifests before they are pushed.";

  static override description = [
    "Looks for kind Secret (apiVersion v1) with data or stringData, in single and multi-document YAML, JSON and Lists, and for kustomize secretGenerator entries (literals always; envs and files when the files they read are in Git).",
    "Scans the working tree (honouring .gitignore), the changes staged for commit (--staged), or every commit reachable from any branch, tag or ref (--history; --since REV and --max-count N narrow it for incremental CI runs). Reports file, document, name, namespace and key names, never a value.",
    "A Secret whose values are all empty or placeholders (REPLACE_ME, changeme, <...>, ${...}, {{ ... }}) is not reported unless --strict.",
    "Exit status: 1 when plaintext Secrets are found, 0 when none are, 2 on usage errors. See docs/pre-commit.md for use as a pre-commit hook.",
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

  static override flags = {
    staged: Flags.boolean({ description: "scan the changes staged for commit (the index) instead of the working tree", exclusive: ["history"] }),
    history: Flags.boolean({ description: "scan every commit reachable from any branch, tag or ref", exclusive: ["staged"] }),
    since: Flags.string({ description: "with --history: only commits not reachable from REV (a commit, branch or tag)", helpValue: "REV", dependsOn: ["history"] }),
    "max-count": Flags.integer({ description: "with --history: only the newest N commits", helpValue: "N", min: 1, dependsOn: ["history"] }),
    strict: Flags.boolean({ description: "also report Secrets whose values are all empty or placeholders" }),
    output: Flags.string({ char: "o", description: "output format (sarif: SARIF 2.1.0 for code scanning)", options: ["table", "json", "sarif"], default: "table" }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Scan);
    const source = flags.history ? "history" : flags.staged ? "index" : "worktree";
    const progress = progressLine(source === "history" ? "scanning history (commits)" : "scanning (files read)");
    let report: ScanReport;
    try {
      report = await scanForPlaintext({
        ...(args.path === undefined ? {} : { target: args.path }),
        source,
        onProgress: progress.update,
        strict: flags.strict,
        range: {
          ...(flags.since === undefined ? {} : { since: flags.since }),
          ...(flags["max-count"] === undefined ? {} : { maxCount: flags["max-count"] }),
        },
      });
    } catch (error) {
      // One line, no stack trace and no oclif wrapping: scripts and hooks grep it.
      this.logToStderr(`kubectl-seal: error: ${errorLine(error)}`);
      this.exit(2);
    } finally {
      progress.done();
    }
    if (flags.output === "json") this.log(JSON.stringify(report, null, 2));
    else if (flags.output === "sarif") this.log(JSON.stringify(toSarif(report), null, 2));
    else this.printHuman(report);
    if (report.findings.length > 0) this.exit(1);
  }

  private printHuman(report: ScanReport): void {
    const where = { worktree: "working tree", index: "staged changes", history: "history" }[report.source];
    for (const file of report.unparsed) this.logToStderr(`note: ${file} mentions Secret but does not parse as YAML or JSON; check it by hand`);
    for (const file of report.tooLarge) this.logToStderr(`note: ${file} is over 4 MiB and was not scanned`);
    for (const kept of report.referencesOutsideGit) {
      this.logToStderr(
        `note: ${kept.path}: secretGenerator ${kept.name ?? ""} reads ${kept.references?.join(", ")}, not in Git: keep it out`,
      );
    }
    if (report.findings.length === 0) {
      this.logToStderr(`No plaintext Secrets in the ${where} (${report.filesScanned} files scanned).`);
      return;
    }
    const history = report.source === "history";
    const headers = [...(history ? ["COMMIT"] : []), "FILE", "DOC", "KIND", "NAME", "NAMESPACE", "KEYS"];
    this.log(renderTable(headers, report.findings.map((finding) => row(finding, history))));
    const files = new Set(report.findings.map((f) => `${f.commit ?? ""}:${f.path}`)).size;
    this.logToStderr(
      `\n${report.findings.length} plaintext secret(s) in ${files} file(s) of the ${where}: seal them with \`kubectl seal\` ` +
        {
          history: "and rotate the exposed values: they stay readable in old commits.",
          index: "and unstage the plaintext (`git restore --staged FILE`).",
          worktree: "and delete the plaintext.",
        }[report.source],
    );
  }
}

function row(finding: PlaintextFinding, history: boolean): string[] {
  const doc = `${finding.document}${finding.item === undefined ? "" : `.items[${finding.item}]`}`;
  const kind = `${finding.kind}${finding.via ? ` (${finding.via})` : ""}${finding.placeholdersOnly ? " (placeholders)" : ""}`;
  const keys = finding.references
    ? `${finding.keys.join(", ")}${finding.keys.length > 0 ? " " : ""}from ${finding.references.join(", ")}`
    : finding.keys.join(", ");
  return [...(history ? [finding.commit?.slice(0, 12) ?? ""] : []), finding.path, doc, kind, finding.name ?? "", finding.namespace ?? "", keys];
}
