import { Args, Flags } from "@oclif/core";
import { clusterFlags, clusterOptionsOf } from "../../src/cli/cluster-flags.js";
import { SealCommand } from "../../src/cli/command.js";
import { renderTable } from "../../src/cli/output.js";
import { readBackup, restoreKeys, type RestoredKey } from "../../src/cluster/backup.js";
import { connect } from "../../src/cluster/kube.js";
import { SealError } from "../../src/errors.js";

export default class KeysRestore extends SealCommand {
  static override summary = "Put the controller's keys back from a backup made by `keys backup`.";

  static override description = [
    "Decrypts FILE with an admin identity, checks every key in it (each private key must belong to its public key), and creates the key Secrets that are missing in the controller's namespace. A key Secret that is already there with the same material is left as it is, so running restore twice is harmless; one holding different material is never replaced: it is reported and the command exits 2.",
    "The running controller re-reads its key Secrets within a minute and unseals with the restored keys; no restart is needed. After a total loss, restore before the controller's first start (or stop it first), so that it finds the old signer instead of creating a new identity. Prints ids, types and states, never key material.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> keys restore keys.age --identity admin.txt",
    "<%= config.bin %> keys restore backups/prod-keys-20261125T110849Z.age -i admin.txt --context prod -o json",
  ];

  static override args = {
    file: Args.string({ description: "backup file made by `kubectl seal keys backup`", required: true }),
  };

  static override flags = {
    ...clusterFlags,
    identity: Flags.string({ char: "i", description: "age identity file of one of the backup's recipients", required: true, helpValue: "FILE" }),
    output: Flags.string({ char: "o", description: "output format", options: ["table", "json"], default: "table" }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(KeysRestore);
    const { backup, keys } = await readBackup(args.file, flags.identity, (line) => this.logToStderr(line));
    const conn = connect(clusterOptionsOf(flags));
    this.note(`Backup of namespace ${backup.namespace} on cluster ${backup.cluster}, taken ${backup.created} (signer ${backup.signer}).`);
    const results = await restoreKeys(conn, backup, keys);

    if (flags.output === "json") {
      const { created, cluster, server, namespace, signer } = backup;
      this.log(JSON.stringify({ backup: { created, cluster, server, namespace, signer }, namespace: conn.controllerNamespace, keys: results }, null, 2));
    } else {
      this.log(renderTable(["ROLE", "TYPE", "ID", "STATE", "SECRET", "RESULT"], results.map(row)));
    }
    const count = (outcome: RestoredKey["outcome"]): number => results.filter((r) => r.outcome === outcome).length;
    this.note(`${count("restored")} restored, ${count("present")} already present, ${count("conflict")} conflicting in namespace ${conn.controllerNamespace} on cluster ${conn.context}.`);
    const conflicts = results.filter((r) => r.outcome === "conflict");
    if (conflicts.length > 0) {
      throw new SealError(
        `Secret(s) ${conflicts.map((c) => c.existing ?? c.secretName).join(", ")} in namespace ${conn.controllerNamespace} hold other key material than the backup and were left alone`,
        "if the controller made new keys after the loss, stop it, back up and delete those Secrets, then run restore again",
      );
    }
  }
}

function row(r: RestoredKey): string[] {
  const result = r.existing !== undefined && r.existing !== r.secretName ? `${r.outcome} (as ${r.existing})` : r.outcome;
  return [r.role, r.type, r.id, r.state, r.secretName, result];
}
