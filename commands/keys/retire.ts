import { Args, Flags } from "@oclif/core";
import { clusterFlags, clusterOptionsOf } from "../../src/cli/cluster-flags.js";
import { SealCommand } from "../../src/cli/command.js";
import { reasonFlag, timeoutFlag } from "../../src/cli/request-flags.js";
import { readAllSealedFiles } from "../../src/cluster/file-set.js";
import { askForKeyChange, valuesSealedTo } from "../../src/cluster/key-requests.js";
import { connect } from "../../src/cluster/kube.js";
import { pinNameFor } from "../../src/cluster/trusted-bundle.js";
import { InputError } from "../../src/errors.js";
import { readPinnedClusters } from "../../src/git/known-keys.js";
import { updatePins, withRetired } from "../../src/git/pin-store.js";
import { findRepository } from "../../src/git/repo.js";

const LISTED = 5;

export default class KeysRetire extends SealCommand {
  static override summary = "Retire a sealing key: the controller stops unsealing with it.";

  static override description = [
    "Refused while sealed files you can see still use the key: every sealed file of the Git repository (or of the current directory) is checked for the key id in spec.sealedTo first; the controller then refuses too while SealedSecrets in the cluster name it. --force skips both checks: values sealed only to that key will no longer unseal.",
    "Creates a Retire SealRequest in the controller's namespace (allowed by the kubectl-seal-key-admin Role). The current key cannot be retired: rotate first.",
  ].join("\n\n");

  static override examples = ["<%= config.bin %> keys retire 3b0d0f3c1c6a4f52", "<%= config.bin %> keys retire 3b0d0f3c1c6a4f52 --force"];

  static override args = {
    keyId: Args.string({ description: "id of the key to retire (as in the key bundle or `kubectl seal status`)", required: true }),
  };

  static override flags = {
    force: Flags.boolean({ description: "retire it even while sealed files or SealedSecrets still use it" }),
    reason: reasonFlag,
    timeout: timeoutFlag,
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(KeysRetire);
    if (!/^[0-9a-f]{16}$/.test(args.keyId)) throw new InputError(`${JSON.stringify(args.keyId)} is not a key id`, "key ids are 16 hex digits, as listed by `kubectl seal status` or `kubectl seal fetch-keys`");
    if (!flags.force) {
      const users = valuesSealedTo(await readAllSealedFiles(process.cwd()), args.keyId);
      if (users.length > 0) {
        const more = users.length > LISTED ? ` and ${users.length - LISTED} more` : "";
        throw new InputError(
          `key ${args.keyId} is still used by ${users.length} sealed file object(s) here: ${users.slice(0, LISTED).join("; ")}${more}`,
          "re-seal them first with `kubectl seal reencrypt --all --commit`, or pass --force to retire it anyway",
        );
      }
    }
    const conn = connect(clusterOptionsOf(flags));
    const spec = { action: "Retire" as const, keyId: args.keyId, ...(flags.force ? { force: true } : {}), ...(flags.reason === undefined ? {} : { reason: flags.reason }) };
    await askForKeyChange(conn, spec, flags.timeout * 1000);
    this.log(`Retired key ${args.keyId} on cluster ${conn.context}.`);
    const root = await findRepository(process.cwd()).then((repo) => repo.dir).catch(() => undefined);
    if (root === undefined) return;
    const pins = readPinnedClusters(root);
    const name = pinNameFor(pins, conn.context, conn.controllerNamespace);
    if (pins.some((pin) => pin.name === name)) {
      await updatePins(root, (pins) => withRetired(pins, name, args.keyId));
      this.note(`Recorded it as retired for cluster ${name} in .seal/clusters.yaml; commit the file.`);
    }
  }
}
