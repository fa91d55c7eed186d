import * as path from "node:path";
import { Args, Flags } from "@oclif/core";
import { clusterFlags } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { progressLine, renderTable } from "../src/cli/output.js";
import { commitRewrite, rewriteFlags, startRewrite } from "../src/cli/repo-rewrite.js";
import { fileSetFlags } from "../src/cli/request-flags.js";
import { selectSealedFiles } from "../src/cluster/file-set.js";
import { vouchedRecipients } from "../src/cluster/recipients.js";
import { otherClusters, reencryptFiles, type ReencryptReport } from "../src/cluster/reencrypt.js";
import { REQUESTER_ROLE } from "../src/cluster/seal-requests.js";
import { readPinnedClusters } from "../src/git/known-keys.js";
import { updatePins, withKeyIds } from "../src/git/pin-store.js";

export default class Reencrypt extends SealCommand {
  static override summary = "Re-seal sealed files to the cluster's newest keys, keeping scope, other clusters and recovery recipients.";

  static override description = [
    "Sends the values that are not sealed to the cluster's current keys to the kubectl-seal controller in Reencrypt SealRequests (one or more per namespace, created where the objects live, so RBAC decides per namespace); the controller opens them in memory and seals them again. Only the changed values and their spec.sealedTo entries are rewritten in the files; every other byte stays as it was. A file is written completely or not at all.",
    "Whom a value stays sealed to besides this cluster is never taken from the file: each id in spec.sealedTo must be a key of this cluster (current or seen before), of another cluster pinned in .seal/clusters.yaml (the value is then sealed to that cluster's current keys), or a --recipient given here. A file with any other id is refused, naming it.",
    "--all re-seals every sealed file of the Git repository; --commit commits the rewritten files (and the updated pin file) in one commit.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> reencrypt --all --commit",
    "<%= config.bin %> reencrypt apps/shop/db-sealed.yaml --recipient age1recovery...",
    "<%= config.bin %> reencrypt --all --context prod --commit -m 'reseal after rotation'",
  ];

  static override strict = false;

  static override args = {
    file: Args.string({ description: "sealed file(s) to re-seal", required: false }),
  };

  static override flags = {
    ...fileSetFlags("re-seal"),
    recipient: Flags.string({ description: "an age recipient the values are sealed to and should stay sealed to, e.g. a recovery key (repeatable)", multiple: true, helpValue: "age1..." }),
    ...rewriteFlags,
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { argv, flags } = await this.parse(Reencrypt);
    const reading = progressLine("reading sealed files");
    const files = await selectSealedFiles(argv as string[], flags.all, "re-seals", (n) => reading.update(n));
    reading.done();
    const recipients = vouchedRecipients(flags.recipient ?? []);
    const rewrite = await startRewrite(flags, files, (line) => this.note(line));
    const { trusted } = rewrite;
    const progress = progressLine("re-sealing (objects)");
    let report: ReencryptReport;
    try {
      report = await reencryptFiles(trusted, otherClusters(readPinnedClusters(trusted.root), trusted.name), files, {
        recipients,
        timeoutMs: flags.timeout * 1000,
        role: REQUESTER_ROLE,
        onProgress: progress.update,
      });
    } finally {
      progress.done();
    }
    if (report.learnedKeyIds.length > 0) await updatePins(trusted.root, (pins) => withKeyIds(pins, trusted.name, report.learnedKeyIds));

    const ids = trusted.bundle.keys.map((k) => k.id).join(", ");
    const message = flags.message ?? `kubectl seal reencrypt: ${report.written.length} file(s) re-sealed to cluster ${trusted.name} keys ${ids}`;
    const commit = flags.commit ? await commitRewrite(rewrite, report.written, report.learnedKeyIds.length > 0, message) : undefined;
    this.print(report, flags.output === "json", commit);
    if (report.rows.some((row) => row.state === "failed")) this.exit(1);
  }

  private print(report: ReencryptReport, json: boolean, commit: string | undefined): void {
    if (json) {
      this.log(JSON.stringify({ ...report, written: report.written.map((f) => path.relative(process.cwd(), f)), ...(commit === undefined ? {} : { commit }) }, null, 2));
      return;
    }
    if (report.rows.length === 0) {
      this.note("No SealedSecrets found.");
      return;
    }
    const state = { resealed: "re-sealed", current: "up to date", "not-ours": "other clusters only", failed: "FAILED" };
    this.log(renderTable(["FILE", "SECRET", "STATE", "VALUES", "SEALED TO", "MESSAGE"], report.rows.map((r) => [r.place, r.object, state[r.state], r.values.join(", "), r.sealedTo.join(", "), r.message ?? ""])));
    const failed = report.rows.filter((r) => r.state === "failed").length;
    this.note(`\nRewrote ${report.written.length} file(s) for cluster ${report.cluster}${failed > 0 ? `; ${failed} SealedSecret(s) failed and their files were left as they were` : ""}.`);
    if (commit !== undefined) this.note(`Committed as ${commit.slice(0, 12)}.`);
  }
}
