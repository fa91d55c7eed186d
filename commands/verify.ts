import { Args } from "@oclif/core";
import { clusterFlags, clusterOptionsOf } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { progressLine, renderTable } from "../src/cli/output.js";
import { fileSetFlags } from "../src/cli/request-flags.js";
import { selectSealedFiles } from "../src/cluster/file-set.js";
import { connect } from "../src/cluster/kube.js";
import { REQUESTER_ROLE } from "../src/cluster/seal-requests.js";
import { verifyFiles } from "../src/cluster/verify.js";

export default class Verify extends SealCommand {
  static override summary = "Check that the cluster can unseal sealed files: which key opens each, or why not.";

  static override description = [
    "Sends each SealedSecret to the kubectl-seal controller in a Verify SealRequest created in the object's namespace; the controller opens every value in memory and answers with the ids of the keys that opened it, or the reason it cannot (tampered, wrong-scope, unknown-key, malformed). No value ever leaves the controller.",
    "RBAC decides who may ask: creating SealRequests in a namespace (the kubectl-seal-requester ClusterRole bound there) is needed for the files of that namespace.",
    "Exit status: 0 when every object can be unsealed, 1 when any cannot, 2 on errors.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> verify apps/shop/db-sealed.yaml",
    "<%= config.bin %> verify --all -o json",
    "<%= config.bin %> verify sealed.yaml --context prod",
  ];

  static override strict = false;

  static override args = {
    file: Args.string({ description: "sealed file(s) to check", required: false }),
  };

  static override flags = {
    ...fileSetFlags("check"),
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { argv, flags } = await this.parse(Verify);
    const files = await selectSealedFiles(argv as string[], flags.all, "checks");
    const conn = connect(clusterOptionsOf(flags));
    const progress = progressLine("verifying (objects)");
    let rows;
    try {
      rows = await verifyFiles(conn, files, { timeoutMs: flags.timeout * 1000, role: REQUESTER_ROLE, onProgress: progress.update });
    } finally {
      progress.done();
    }
    const failed = rows.filter((row) => !row.ok).length;
    if (flags.output === "json") {
      this.log(JSON.stringify({ cluster: conn.context, results: rows }, null, 2));
    } else if (rows.length === 0) {
      this.note("No SealedSecrets found.");
    } else {
      this.log(renderTable(["FILE", "SECRET", "RESULT", "KEYS", "MESSAGE"], rows.map((r) => [r.place, r.object, r.ok ? "ok" : (r.reason ?? "failed"), r.keyIds.join(", "), r.message ?? ""])));
      this.note(`\n${rows.length - failed} of ${rows.length} SealedSecret(s) can be unsealed by cluster ${conn.context}.`);
    }
    if (failed > 0) this.exit(1);
  }
}
