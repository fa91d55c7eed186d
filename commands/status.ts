import { Args, Command, Flags } from "@oclif/core";
import { sealedStatus, type StatusReport } from "../src/git/status.js";
import { errorLine, renderTable } from "../src/cli/output.js";

export default class Status extends Command {
  static override summary = "List the repository's sealed files and the keys each value is sealed to.";

  static override description = [
    "For every SealedSecret in the repository (YAML or JSON, multi-document), shows per value the key ids it is sealed to (spec.sealedTo), the clusters holding those keys, and flags values sealed to keys that are unknown, expired or retired.",
    "Keys come from --keys bundle files and from the clusters pinned in .seal/clusters.yaml. Values flagged here are candidates for `kubectl seal reencrypt`.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> status",
    "<%= config.bin %> status deploy/prod --keys prod-bundle.yaml",
    "<%= config.bin %> status -o json",
  ];

  static override args = {
    path: Args.string({ description: "directory to list (default: the whole repository)", required: false }),
  };

  static override flags = {
    keys: Flags.string({ description: "key bundle file to compare with (repeatable)", multiple: true, helpValue: "BUNDLE" }),
    output: Flags.string({ char: "o", description: "output format", options: ["table", "json"], default: "table" }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Status);
    let report: StatusReport;
    try {
      report = await sealedStatus({
        ...(args.path === undefined ? {} : { target: args.path }),
        bundleFiles: flags.keys ?? [],
      });
    } catch (error) {
      // One line, no stack trace and no oclif wrapping: scripts and hooks grep it.
      this.logToStderr(`kubectl-seal: error: ${errorLine(error)}`);
      this.exit(2);
    }
    if (flags.output === "json") {
      this.log(JSON.stringify(report, null, 2));
      return;
    }
    this.printHuman(report);
  }

  private printHuman(report: StatusReport): void {
    if (report.objects.length === 0) {
      this.logToStderr(`No SealedSecrets under ${report.root}.`);
      return;
    }
    const rows = report.objects.flatMap((object) =>
      object.values.map((value) => [
        object.path,
        `${object.document}${object.item === undefined ? "" : `.items[${object.item}]`}`,
        object.namespace ? `${object.namespace}/${object.name ?? ""}` : (object.name ?? ""),
        object.scope,
        value.key,
        value.sealedTo.join(", "),
        value.clusters.join(", "),
        value.problemKeys.length > 0 ? `${value.state}: ${value.problemKeys.join(", ")}` : value.state,
      ]),
    );
    this.log(renderTable(["FILE", "DOC", "SECRET", "SCOPE", "KEY", "SEALED TO", "CLUSTERS", "STATE"], rows));
    const sources = report.bundles.map((b) => b.source).join(", ");
    this.logToStderr(
      report.bundles.length === 0
        ? "\nNo key bundles known: pass --keys BUNDLE or pin a cluster with `kubectl seal fetch-keys` to check key ids."
        : `\nCompared with: ${sources}.`,
    );
    for (const { cluster, reason } of report.untrustedClusters) {
      this.logToStderr(`warning: the saved bundle of pinned cluster ${cluster} is not used: ${reason}`);
    }
    for (const name of report.pinnedWithoutBundle) {
      this.logToStderr(`note: pinned cluster ${name} has no saved bundle; run \`kubectl seal fetch-keys\` for it.`);
    }
    const flagged = rows.filter((row) => !(row[7] ?? "").startsWith("ok")).length;
    if (flagged > 0 && report.bundles.length > 0) {
      this.logToStderr(`${flagged} value(s) need attention: re-seal them with \`kubectl seal reencrypt\`.`);
    }
  }
}
