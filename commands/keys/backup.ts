import * as fs from "node:fs";
import * as path from "node:path";
import { Flags } from "@oclif/core";
import { clusterFlags, clusterOptionsOf } from "../../src/cli/cluster-flags.js";
import { SealCommand } from "../../src/cli/command.js";
import { renderTable } from "../../src/cli/output.js";
import { writeFileAtomic, writeNewFile } from "../../src/cli/write-file.js";
import { backupKeys, backupFileName, type BackupResult } from "../../src/cluster/backup.js";
import { backupRecipients } from "../../src/cluster/backup-crypto.js";
import { connect } from "../../src/cluster/kube.js";
import { InputError } from "../../src/errors.js";

export default class KeysBackup extends SealCommand {
  static override summary = "Back up the controller's private keys, encrypted with age to admin recipients.";

  static override description = [
    "Reads the controller's key Secrets (the signer and every sealing key, retired ones too) through the Kubernetes API and writes them as one age file encrypted to the --recipient keys, so that `age -d -i IDENTITY FILE` or `kubectl seal keys restore` opens it. Needs read access to Secrets in the controller's namespace (a cluster admin).",
    "Writes the file to stdout (never to a terminal), to -w FILE, or to a new file <DIR>/<context>-keys-<time>.age committed on its own with --to-git DIR. The file's layout is in docs/FORMAT.md, \"Key backup\". Recipients are all classic (age1...) or all post-quantum (age1pq1...).",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> keys backup --recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p -w keys.age",
    "<%= config.bin %> keys backup --recipient age1... --recipient age1... --to-git backups/ -m 'keys: weekly backup'",
    "<%= config.bin %> keys backup --context prod --recipient age1pq1... > prod-keys.age",
  ];

  static override flags = {
    ...clusterFlags,
    recipient: Flags.string({ char: "r", description: "age public key to encrypt to (repeatable)", multiple: true, required: true, helpValue: "RECIPIENT" }),
    write: Flags.string({ char: "w", description: "write the backup to FILE (replaced atomically)", helpValue: "FILE", exclusive: ["to-git"] }),
    "to-git": Flags.string({ description: "write a new backup file in DIR and commit only that file", helpValue: "DIR", exclusive: ["write"] }),
    message: Flags.string({ char: "m", description: "commit message for --to-git", helpValue: "MSG", dependsOn: ["to-git"] }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(KeysBackup);
    const recipients = backupRecipients(flags.recipient);
    if (flags.write === undefined && flags["to-git"] === undefined && process.stdout.isTTY) {
      throw new InputError("refusing to write the encrypted backup to a terminal", "pass -w FILE or --to-git DIR, or redirect the output to a file");
    }
    const conn = connect(clusterOptionsOf(flags));
    const now = new Date();
    const result = await backupKeys(conn, recipients, now);
    for (const { secretName, problem } of result.skipped) {
      this.note(`warning: Secret ${conn.controllerNamespace}/${secretName} is damaged and was not backed up (${problem})`);
    }

    let where: string;
    if (flags["to-git"] !== undefined) {
      where = await this.commit(flags["to-git"], backupFileName(conn.context, now), result, flags.message ?? defaultMessage(conn.context, result));
    } else if (flags.write !== undefined) {
      await writeFileAtomic(flags.write, result.encrypted);
      where = flags.write;
    } else {
      await new Promise<void>((resolve, reject) => process.stdout.write(result.encrypted, (error) => (error ? reject(error) : resolve())));
      where = "stdout";
    }
    this.note(renderTable(["ROLE", "TYPE", "ID", "STATE", "SECRET"], result.keys.map((k) => [k.role, k.type, k.id, k.state, k.secretName])));
    this.note(
      `Backed up ${result.keys.length} keys of namespace ${conn.controllerNamespace} on cluster ${conn.context} to ${where}, ` +
        `encrypted to ${recipients.length} recipient(s). Keep it where the cluster's admins, and only they, can reach it.`,
    );
  }

  /** Writes a new file (never replacing an older backup) and commits exactly it; a failed commit removes it. */
  private async commit(dir: string, name: string, result: BackupResult, message: string): Promise<string> {
    const { findRepository } = await import("../../src/git/repo.js");
    const { commitFiles } = await import("../../src/git/commit.js");
    await findRepository(dir);
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, name);
    await writeNewFile(file, result.encrypted, 0o644);
    try {
      const commit = await commitFiles(dir, [file], message);
      return `${file} (commit ${commit.commit.slice(0, 12)})`;
    } catch (error) {
      fs.rmSync(file, { force: true });
      throw error;
    }
  }
}

function defaultMessage(cluster: string, result: BackupResult): string {
  return `keys: back up the controller keys of ${cluster} (${result.keys.length} keys, signer ${result.signer})`;
}
