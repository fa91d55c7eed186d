import { Args, Flags } from "@oclif/core";
import { clusterFlags } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { sealBooleanFlags, sealOptionFlags } from "../src/cli/seal-flags.js";
import { runSeal } from "../src/cli/seal-run.js";

// The root command: bin/run.js runs it for `kubectl seal [FILE...] [flags]` (any first argument that is not another
// command). oclif cannot discover a root command next to subcommands, hence this file name and `hidden`. Plain
// invocations skip oclif altogether (src/cli/seal-fast.ts); this class serves help, errors and everything else.
export default class Seal extends SealCommand {
  static override hidden = true;

  static override usage = ["[FILE|-]... [--keys BUNDLE]... [flags]"];

  static override summary = "Seal Secrets into SealedSecrets that are safe to commit to Git.";

  static override description = [
    "Reads Secret manifests (YAML or JSON, multi-document, Lists; files, directories of files, or stdin when FILE is - or missing), or builds one Secret from --from-literal/--from-file/--from-env-file as `kubectl create secret generic` does, and writes SealedSecret YAML (or JSON with -o json) to stdout or to -w FILE.",
    "Each value is encrypted with age to the sealing keys of a key bundle (--keys BUNDLE, offline) or of a cluster (without --keys), plus any --recipient. Scope strict (the default) binds a value to its namespace, name and key; namespace to its namespace; cluster to nothing.",
    "`kubectl seal seal ...` is the same as `kubectl seal ...`. `kubectl seal help` lists the other commands (keys generate, recover, scan, status, ...). A FILE named like a command is written ./FILE.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> --keys bundle.yaml secret.yaml -w sealed.yaml",
    "kubectl create secret generic db -n shop --from-literal password=s3cr3t --dry-run=client -o yaml | <%= config.bin %> --keys bundle.yaml",
    "<%= config.bin %> --keys bundle.yaml -n shop --name db --from-literal password=s3cr3t --merge-into sealed.yaml",
    "<%= config.bin %> --keys bundle.yaml --raw -n shop --name db --from-file password=./password.txt",
  ];

  // Several FILE arguments; stdin is read by us (never by oclif's argument parser) when there are none.
  static override args = {
    file: Args.string({ description: "Secret manifest file or directory; - for stdin (default)", multiple: true, ignoreStdin: true }),
  };

  // The definitions are plain data (src/cli/seal-flags.ts), shared with the fast path that parses plain
  // invocations without loading oclif; the order here is the help's.
  static override flags = {
    keys: Flags.string(sealOptionFlags.keys),
    cluster: Flags.string(sealOptionFlags.cluster),
    ...clusterFlags,
    recipient: Flags.string(sealOptionFlags.recipient),
    scope: Flags.string(sealOptionFlags.scope),
    "from-literal": Flags.string(sealOptionFlags["from-literal"]),
    "from-file": Flags.string(sealOptionFlags["from-file"]),
    "from-env-file": Flags.string(sealOptionFlags["from-env-file"]),
    name: Flags.string(sealOptionFlags.name),
    namespace: Flags.string(sealOptionFlags.namespace),
    type: Flags.string(sealOptionFlags.type),
    output: Flags.string(sealOptionFlags.output),
    write: Flags.string(sealOptionFlags.write),
    "merge-into": Flags.string(sealOptionFlags["merge-into"]),
    raw: Flags.boolean(sealBooleanFlags.raw),
    commit: Flags.boolean(sealBooleanFlags.commit),
    message: Flags.string(sealOptionFlags.message),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Seal);
    await runSeal(args.file ?? [], flags, (line) => this.note(line));
  }
}
