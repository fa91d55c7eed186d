import { clusterFlags, clusterOptionsOf } from "../../src/cli/cluster-flags.js";
import { SealCommand } from "../../src/cli/command.js";
import { reasonFlag, timeoutFlag } from "../../src/cli/request-flags.js";
import { askForKeyChange } from "../../src/cluster/key-requests.js";
import { connect } from "../../src/cluster/kube.js";
import { fetchTrustedBundle, pinNote } from "../../src/cluster/trusted-bundle.js";

export default class KeysRotate extends SealCommand {
  static override summary = "Ask the cluster's controller for new sealing keys now.";

  static override description = [
    "Creates a Rotate SealRequest in the controller's namespace (allowed by the kubectl-seal-key-admin Role) and waits for the outcome. The old keys keep unsealing existing files; new seals use the new keys.",
    "Inside a Git repository the new bundle is verified against the pinned identity and saved in .seal/clusters.yaml. Then re-seal the repository's files with `kubectl seal reencrypt --all --commit`.",
  ].join("\n\n");

  static override examples = ["<%= config.bin %> keys rotate --reason 'yearly rotation'", "<%= config.bin %> keys rotate --context prod"];

  static override flags = {
    reason: reasonFlag,
    timeout: timeoutFlag,
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(KeysRotate);
    const options = clusterOptionsOf(flags);
    const conn = connect(options);
    const status = await askForKeyChange(conn, { action: "Rotate", ...(flags.reason === undefined ? {} : { reason: flags.reason }) }, flags.timeout * 1000);
    this.log(`Rotated the sealing keys of cluster ${conn.context}: now sealing to ${(status.keyIds ?? []).join(", ")}.`);
    try {
      const trusted = await fetchTrustedBundle({ ...options, cwd: process.cwd() });
      const note = pinNote(trusted, ".seal/clusters.yaml");
      if (note !== undefined) this.note(note);
    } catch (error) {
      this.note(`note: the new bundle was not saved: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.note("Re-seal the repository's files to the new keys with `kubectl seal reencrypt --all --commit`.");
  }
}
