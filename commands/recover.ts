import { Args, Flags } from "@oclif/core";
import { SealCommand } from "../src/cli/command.js";
import { readIdentityFile } from "../src/cli/identity-file.js";
import { readInputs } from "../src/cli/inputs.js";
import { checkPlaintextTarget } from "../src/cli/plaintext-target.js";
import { checkMayPrintSecrets } from "../src/cli/secret-output.js";
import { writeFileAtomic } from "../src/cli/write-file.js";
import { InputError, UnsealError } from "../src/errors.js";
import { parseManifestEntries, printManifests } from "../src/manifest.js";
import { sealedSecretFromManifest } from "../src/sealed-manifest.js";
import { secretManifestOf } from "../src/secret.js";
import type { PrivateKey, SecretManifest } from "../src/types.js";
import { unseal } from "../src/unseal.js";

export default class Recover extends SealCommand {
  static override summary = "Unseal SealedSecrets offline with an identity file (disaster recovery).";

  static override description = [
    "Opens every value of the SealedSecrets in FILE (YAML or JSON, multi-document, Lists; - for stdin) with the private keys of one or more identity files (from `kubectl seal keys generate`, age-keygen, or a backup of the cluster's keys), checks each value's scope binding, and prints the v1 Secret manifests.",
    "The output holds plaintext values: it is refused on a terminal unless --yes-print-secrets is given; -w FILE writes it with mode 0600, never over FILE itself, and not inside a Git work tree unless the path is .gitignore'd (or --force-plaintext-in-git is given).",
    "An identity file that group or others may read (like ssh, checked as mode & 077) is used with a warning: chmod 600 it.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> recover sealed.yaml --identity recovery.txt -w secret.yaml",
    "<%= config.bin %> recover sealed.yaml --identity recovery.txt | kubectl apply -f -",
  ];

  static override args = {
    file: Args.string({ description: "sealed file; - for stdin", required: true, ignoreStdin: true }),
  };

  static override flags = {
    identity: Flags.string({ char: "i", description: "identity file with private keys (repeatable)", required: true, multiple: true, multipleNonGreedy: true, helpValue: "FILE" }),
    output: Flags.string({ char: "o", description: "output format", options: ["yaml", "json"], default: "yaml" }),
    write: Flags.string({ char: "w", description: "write the Secrets to FILE (mode 0600, atomically) instead of stdout", helpValue: "FILE" }),
    "yes-print-secrets": Flags.boolean({ description: "print the plaintext values even when stdout is a terminal" }),
    "force-plaintext-in-git": Flags.boolean({ description: "let -w write plaintext to a path in a Git work tree that is not .gitignore'd", dependsOn: ["write"] }),
  };

  public async run(): Promise<void> {
    const { args, flags } = await this.parse(Recover);
    checkMayPrintSecrets({ toFile: flags.write !== undefined, stdoutIsTerminal: process.stdout.isTTY === true, allowed: flags["yes-print-secrets"] });
    if (flags.write !== undefined) await checkPlaintextTarget(flags.write, args.file, flags["force-plaintext-in-git"]);
    const keys: PrivateKey[] = [];
    for (const file of flags.identity) keys.push(...(await readIdentityFile(file, (line) => this.logToStderr(line))));

    const secrets: SecretManifest[] = [];
    for (const { text, source } of await readInputs([args.file])) {
      for (const { doc, where } of parseManifestEntries(text, source)) {
        const sealed = sealedSecretFromManifest(doc, where);
        try {
          secrets.push(secretManifestOf((await unseal(sealed, keys)).secret));
        } catch (error) {
          // The message names the object and key; add the file and the reason.
          if (error instanceof UnsealError) throw new UnsealError(error.reason, `${where}: cannot unseal (${error.reason}): ${error.message}`, "", { dataKey: error.dataKey });
          throw error;
        }
      }
    }
    if (secrets.length === 0) throw new InputError(`${args.file} holds no SealedSecret`, "pass a file written by kubectl seal");
    const text = printManifests(secrets, flags.output === "json" ? "json" : "yaml");
    if (flags.write === undefined) process.stdout.write(text);
    else await writeFileAtomic(flags.write, text, 0o600);
  }
}
