// What `kubectl seal scan [PATH]` does once its arguments are parsed: scan, print the findings (table, JSON or
// SARIF) and the notes, and give the exit status. Shared by the oclif command (commands/scan.ts) and the fast path
// (scan-fast.ts), so both behave the same.
import { EXIT_FAILURE, errorMessage, progressLine, renderTable } from "./output.js";

// src/cli reaches src/git only through import() (test/unit/git-isolation.test.ts): the seal path never loads Git.
type ScanReport = import("../git/scan.js").ScanReport;
type PlaintextFinding = import("../git/plaintext.js").PlaintextFinding;

/** The parsed flags (src/cli/scan-flags.ts); a flag not given is undefined. */
export interface ScanFlags {
  staged?: boolean | undefined;
  history?: boolean | undefined;
  strict?: boolean | undefined;
  since?: string | undefined;
  "max-count"?: number | undefined;
  output: string;
}

const out = (text: string): void => void process.stdout.write(`${text}\n`);
const note = (text: string): void => void process.stderr.write(`${text}\n`);

/** Runs the scan and prints its report; the exit status: 0 nothing found, 1 plaintext found, 2 an error. */
export async function runScan(target: string | undefined, flags: ScanFlags): Promise<number> {
  const source = flags.history === true ? "history" : flags.staged === true ? "index" : "worktree";
  const progress = progressLine(source === "history" ? "scanning history (commits)" : "scanning (files read)");
  let report: ScanReport;
  try {
    const { scanForPlaintext } = await import("../git/scan.js");
    report = await scanForPlaintext({
      ...(target === undefined ? {} : { target }),
      source,
      onProgress: progress.update,
      strict: flags.strict === true,
      range: {
        ...(flags.since === undefined ? {} : { since: flags.since }),
        ...(flags["max-count"] === undefined ? {} : { maxCount: flags["max-count"] }),
      },
    });
  } catch (error) {
    // One line, no stack trace: scripts and hooks grep it.
    progress.done();
    note(errorMessage(error));
    return EXIT_FAILURE;
  }
  progress.done();
  if (flags.output === "json") out(JSON.stringify(report, null, 2));
  // Loaded only for SARIF: its fingerprints need node:crypto, ~4 MiB of every other scan's memory.
  else if (flags.output === "sarif") out(JSON.stringify((await import("../git/sarif.js")).toSarif(report), null, 2));
  else printHuman(report);
  return report.findings.length > 0 ? 1 : 0;
}

function printHuman(report: ScanReport): void {
  const where = { worktree: "working tree", index: "staged changes", history: "history" }[report.source];
  for (const file of report.unparsed) note(`note: ${file} mentions Secret but does not parse as YAML or JSON; check it by hand`);
  for (const file of report.tooLarge) note(`note: ${file} is over 4 MiB and was not scanned`);
  for (const kept of report.referencesOutsideGit) {
    note(`note: ${kept.path}: secretGenerator ${kept.name ?? ""} reads ${kept.references?.join(", ")}, not in Git: keep it out`);
  }
  if (report.findings.length === 0) {
    note(`No plaintext Secrets in the ${where} (${report.filesScanned} files scanned).`);
    return;
  }
  const history = report.source === "history";
  const headers = [...(history ? ["COMMIT"] : []), "FILE", "DOC", "KIND", "NAME", "NAMESPACE", "KEYS"];
  out(renderTable(headers, report.findings.map((finding) => row(finding, history))));
  const files = new Set(report.findings.map((f) => `${f.commit ?? ""}:${f.path}`)).size;
  note(
    `\n${report.findings.length} plaintext secret(s) in ${files} file(s) of the ${where}: seal them with \`kubectl seal\` ` +
      {
        history: "and rotate the exposed values: they stay readable in old commits.",
        index: "and unstage the plaintext (`git restore --staged FILE`).",
        worktree: "and delete the plaintext.",
      }[report.source],
  );
}

function row(finding: PlaintextFinding, history: boolean): string[] {
  const doc = `${finding.document}${finding.item === undefined ? "" : `.items[${finding.item}]`}`;
  const kind = `${finding.kind}${finding.via ? ` (${finding.via})` : ""}${finding.placeholdersOnly ? " (placeholders)" : ""}`;
  const keys = finding.references
    ? `${finding.keys.join(", ")}${finding.keys.length > 0 ? " " : ""}from ${finding.references.join(", ")}`
    : finding.keys.join(", ");
  return [...(history ? [finding.commit?.slice(0, 12) ?? ""] : []), finding.path, doc, kind, finding.name ?? "", finding.namespace ?? "", keys];
}
