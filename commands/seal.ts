import * as path from "node:path";
import { Args, Flags } from "@oclif/core";
import { clusterFlags } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { sealingKeysOf } from "../src/cli/key-source.js";
import { sealedOutput } from "../src/cli/sealed-output.js";
import { secretsToSeal } from "../src/cli/secret-sources.js";
import { writeFileAtomic } from "../src/cli/write-file.js";
import { SealError } from "../src/errors.js";
import { parseScope } from "../src/scope.js";
import { seal } from "../src/seal.js";

// The root command: bin/run.js runs it for `kubectl seal [FILE...] [flags]` (any first argument that is not another
// command). oclif cannot discover a root command next to subcommands, hence this file name and `hidden`.
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

  static override flags = {
    keys: Flags.string({ description: "signed key bundle file to seal to (repeatable); offline", multiple: true, multipleNonGreedy: true, helpValue: "BUNDLE", exclusive: ["cluster"] }),
    cluster: Flags.string({ description: "pinned cluster to seal to (repeatable); default: the current kubeconfig context", multiple: true, multipleNonGreedy: true, helpValue: "NAME" }),
    ...clusterFlags,
    recipient: Flags.string({ description: "extra age recipient to seal to as well, e.g. a recovery key (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "age1..." }),
    scope: Flags.string({ description: "what each value is bound to: strict | namespace | cluster", default: "strict", helpValue: "SCOPE" }),
    "from-literal": Flags.string({ description: "a key and its literal value (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "KEY=VALUE" }),
    "from-file": Flags.string({ description: "a file's content as a value; the key defaults to the file name; a directory adds each file (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "[KEY=]PATH" }),
    "from-env-file": Flags.string({ description: "KEY=VALUE lines of a file as values (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "PATH" }),
    name: Flags.string({ description: "Secret name (fills in a manifest without one)", helpValue: "NAME" }),
    namespace: Flags.string({ char: "n", description: "Secret namespace (fills in a manifest without one)", helpValue: "NAMESPACE" }),
    type: Flags.string({ description: "Secret type, e.g. kubernetes.io/tls", helpValue: "TYPE" }),
    output: Flags.string({ char: "o", description: "output format", options: ["yaml", "json"], exclusive: ["raw"] }),
    write: Flags.string({ char: "w", description: "write to FILE (atomically) instead of stdout", helpValue: "FILE" }),
    "merge-into": Flags.string({ description: "add or replace the keys in this sealed file, keeping every other value byte for byte; writes it back unless -w", helpValue: "FILE", exclusive: ["raw"] }),
    raw: Flags.boolean({ description: "print only the sealed value (base64 age file) of the single key, for pasting into a SealedSecret" }),
    commit: Flags.boolean({ description: "commit the written file (-w or --merge-into), and only it, to the Git repository" }),
    message: Flags.string({ char: "m", description: "commit message for --commit", dependsOn: ["commit"], helpValue: "MSG" }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Seal);
    const files = args.file ?? [];
    const scope = parseScope(flags.scope, "--scope");
    const target = flags.write ?? flags["merge-into"];
    if (flags.commit) {
      if (target === undefined) throw new SealError("--commit needs a file to commit, but the output goes to stdout", "add -w FILE or --merge-into FILE");
      // Before anything is written: a file outside any repository would otherwise be written and left uncommitted.
      const { findRepository, toRepoPath } = await import("../src/git/repo.js");
      toRepoPath(await findRepository(path.dirname(path.resolve(target))), target);
    }
    const secrets = await secretsToSeal(files, {
      fromLiteral: flags["from-literal"],
      fromFile: flags["from-file"],
      fromEnvFile: flags["from-env-file"],
      name: flags.name,
      namespace: flags.namespace,
      type: flags.type,
    }, scope);
    const keys = await sealingKeysOf(flags, (line) => this.note(line));
    const sealed = [];
    for (const secret of secrets) sealed.push(await seal(secret, keys, { scope, recipients: flags.recipient ?? [] }));
    const text = sealedOutput(sealed, { raw: flags.raw, output: flags.output, mergeInto: flags["merge-into"] });
    if (target === undefined) {
      process.stdout.write(text);
      return;
    }
    await writeFileAtomic(target, text);
    if (flags.commit) await this.commit(target, flags.message ?? defaultMessage(sealed));
  }

  private async commit(file: string, message: string): Promise<void> {
    const { commitFiles } = await import("../src/git/commit.js");
    const result = await commitFiles(path.dirname(path.resolve(file)), [file], message);
    this.note(result.created ? `committed ${result.paths.join(", ")} as ${result.commit.slice(0, 12)}` : `${result.paths.join(", ")} unchanged: nothing to commit`);
  }
}

/** "seal: shop/db (password, username)": names and keys only, never a value. */
function defaultMessage(sealed: { metadata: { namespace?: string; name?: string }; spec: { encryptedData: Record<string, string> } }[]): string {
  const objects = sealed.map((s) => `${[s.metadata.namespace, s.metadata.name].filter(Boolean).join("/")} (${Object.keys(s.spec.encryptedData).join(", ")})`);
  return `seal: ${objects.join("; ")}`;
}
