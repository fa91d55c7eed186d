import * as path from "node:path";
import { Args, Flags } from "@oclif/core";
import { readAllBitnamiFiles, readBitnamiFiles } from "../src/bitnami/files.js";
import { clusterFlags } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { progressLine, renderTable } from "../src/cli/output.js";
import { commitRewrite, rewriteFlags, startRewrite } from "../src/cli/repo-rewrite.js";
import { fileSetFlags } from "../src/cli/request-flags.js";
import { selectFiles } from "../src/cluster/file-set.js";
import { migrateFiles, planMigration, type MigrateReport } from "../src/cluster/migrate.js";
import { REQUESTER_ROLE } from "../src/cluster/seal-requests.js";

export default class Migrate extends SealCommand {
  static override summary = "Turn Bitnami Sealed Secrets (bitnami.com/v1alpha1) into kubectl-seal files, without seeing a value.";

  static override description = [
    "Sends the Bitnami SealedSecrets to the kubectl-seal controller in Migrate SealRequests (created in each object's namespace, so RBAC decides per namespace). The controller, given read access to Bitnami's keys (--bitnami-keys-namespace and manifests/bitnami-migration/), opens each value with Bitnami's scheme and seals it with age to its own current keys, in the matching scope: strict -> strict, namespace-wide -> namespace, cluster-wide -> cluster. Labels, annotations, type and immutable of spec.template are kept, so the Secret comes out exactly as before.",
    "Each file is rewritten in place as a seal.dev/v1alpha1 SealedSecret (other documents of the file stay as they are). All files or none: if any object fails, nothing is written. --commit commits them in one commit. --dry-run lists what is still Bitnami-sealed and what would change, without a cluster.",
    "Apply the new files, then delete the Bitnami SealedSecrets: the controller adopts each existing Secret first (same data, so nothing is rewritten and no Pod restarts).",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> migrate --all --dry-run",
    "<%= config.bin %> migrate --all --commit --context prod",
    "<%= config.bin %> migrate apps/shop/db-sealedsecret.yaml",
  ];

  static override strict = false;

  static override args = {
    file: Args.string({ description: "Bitnami-sealed file(s) to migrate", required: false }),
  };

  static override flags = {
    ...fileSetFlags("migrate"),
    "dry-run": Flags.boolean({ description: "only list the Bitnami SealedSecrets and what they would become; contacts no cluster", exclusive: ["commit"] }),
    ...rewriteFlags,
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { argv, flags } = await this.parse(Migrate);
    const files = await selectFiles(argv as string[], flags.all, "migrates", readBitnamiFiles, () => readAllBitnamiFiles(process.cwd()));
    if (flags["dry-run"] || files.length === 0) return this.print(planMigration(files), flags.output === "json", undefined);

    const rewrite = await startRewrite(flags, files, (line) => this.note(line));
    const { trusted } = rewrite;
    const progress = progressLine("migrating (objects)");
    let report: MigrateReport;
    try {
      report = await migrateFiles(trusted, files, { timeoutMs: flags.timeout * 1000, role: REQUESTER_ROLE, onProgress: progress.update });
    } finally {
      progress.done();
    }
    const message = flags.message ?? `kubectl seal migrate: ${report.written.length} file(s) from Bitnami Sealed Secrets to cluster ${trusted.name}`;
    const commit = flags.commit ? await commitRewrite(rewrite, report.written, false, message) : undefined;
    this.print(report, flags.output === "json", commit);
    if (report.rows.some((row) => row.state === "failed")) this.exit(1);
  }

  private print(report: MigrateReport, json: boolean, commit: string | undefined): void {
    if (json) {
      this.log(JSON.stringify({ ...report, written: report.written.map((f) => path.relative(process.cwd(), f)), ...(commit === undefined ? {} : { commit }) }, null, 2));
      return;
    }
    if (report.rows.length === 0) {
      this.note("No Bitnami SealedSecrets found.");
      return;
    }
    const state = { migrated: "migrated", "would-migrate": "bitnami-sealed", held: "not written", failed: "FAILED" };
    this.log(renderTable(["FILE", "SECRET", "STATE", "SCOPE", "VALUES", "MESSAGE"], report.rows.map((r) => [r.place, r.object, state[r.state], r.scope, r.values.join(", "), r.message ?? ""])));
    if (report.cluster === undefined) {
      this.note(`\n${report.rows.length} Bitnami SealedSecret(s) in ${new Set(report.rows.map((r) => r.file)).size} file(s) still to migrate.`);
      return;
    }
    const failed = report.rows.filter((r) => r.state === "failed").length;
    this.note(failed > 0 ? `\n${failed} SealedSecret(s) failed: no file was written.` : `\nRewrote ${report.written.length} file(s) for cluster ${report.cluster}.`);
    if (commit !== undefined) this.note(`Committed as ${commit.slice(0, 12)}.`);
  }
}
