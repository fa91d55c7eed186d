import { Flags } from "@oclif/core";
import { SealCommand } from "../../src/cli/command.js";
import { parseDurationDays } from "../../src/cli/duration.js";
import { signerLine } from "../../src/cli/identity-signer.js";
import { writeNewFile } from "../../src/cli/write-file.js";
import { existsSync } from "node:fs";
import { fingerprintOf } from "../../src/bundle.js";
import { generateSigner, signBundle } from "../../src/bundle-sign.js";
import { InputError } from "../../src/errors.js";
import { formatIdentityFile, generateKey, publicKeyOf } from "../../src/keys.js";
import { printManifests } from "../../src/manifest.js";

export default class KeysGenerate extends SealCommand {
  static override summary = "Make an offline key set: a private identity file and the signed public bundle.";

  static override description = [
    "For a recovery key (seal with --recipient, or add its bundle with --keys) or a setup without a cluster. Writes a new sealing key (X25519, or post-quantum ML-KEM-768 + X25519 with --pq) and the Ed25519 key that signs the bundle to the identity file (mode 0600, age-keygen format: `age -d -i FILE` reads it), and the signed public bundle for `kubectl seal --keys`.",
    "Keep the identity file offline and backed up: it opens every value sealed to it. Share the bundle and compare the signer fingerprint out of band. Existing files are never overwritten.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> keys generate --out-identity recovery.txt --out-bundle recovery-bundle.yaml",
    "<%= config.bin %> keys generate --pq --expires-in 1y",
  ];

  static override flags = {
    pq: Flags.boolean({ description: "post-quantum hybrid key (age1pq1..., ML-KEM-768 + X25519); needs age >= 1.3 to decrypt with the age CLI" }),
    "out-identity": Flags.string({ description: "private identity file to create (mode 0600)", default: "identity.txt", helpValue: "FILE" }),
    "out-bundle": Flags.string({ description: "public key bundle file to create", default: "bundle.yaml", helpValue: "FILE" }),
    "expires-in": Flags.string({ description: "the key is no longer sealed to after this long (h, d, w or y; e.g. 90d); default: never", helpValue: "DURATION" }),
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(KeysGenerate);
    const identityFile = flags["out-identity"];
    const bundleFile = flags["out-bundle"];
    if (identityFile === bundleFile) throw new InputError(`--out-identity and --out-bundle are both ${identityFile}`, "give two different files");
    // Check both before writing either, so a refusal leaves nothing half done.
    for (const file of [identityFile, bundleFile]) {
      if (existsSync(file)) throw new InputError(`${file} already exists`, "refusing to overwrite it; choose another path or move the file away first");
    }
    const lifetimeDays = flags["expires-in"] === undefined ? undefined : parseDurationDays(flags["expires-in"], "--expires-in");
    const key = await generateKey(flags.pq ? "mlkem768x25519" : "x25519", lifetimeDays === undefined ? {} : { lifetimeDays });
    const signer = generateSigner();
    const bundle = signBundle([publicKeyOf(key)], signer.secretKey, key.created);

    await writeNewFile(identityFile, `${signerLine(signer)}\n${formatIdentityFile([key])}`, 0o600);
    await writeNewFile(bundleFile, printManifests([bundle], "yaml"), 0o644);

    this.log(`recipient: ${key.recipient}`);
    this.log(`key id: ${key.id}`);
    this.log(`signer: ${fingerprintOf(signer.publicKey)}`);
    this.note(`wrote ${identityFile} (private: keep it offline and backed up) and ${bundleFile} (public: seal with --keys ${bundleFile})`);
  }
}
