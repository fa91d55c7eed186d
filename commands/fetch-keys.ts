import { Flags } from "@oclif/core";
import * as path from "node:path";
import { stringify } from "yaml";
import { fingerprintOf } from "../src/bundle.js";
import { clusterFlags, clusterOptionsOf } from "../src/cli/cluster-flags.js";
import { SealCommand } from "../src/cli/command.js";
import { renderTable } from "../src/cli/output.js";
import { writeFileAtomic } from "../src/cli/write-file.js";
import { fetchTrustedBundle, pinNote } from "../src/cluster/trusted-bundle.js";
import { PINNED_CLUSTERS_FILE } from "../src/git/known-keys.js";

export default class FetchKeys extends SealCommand {
  static override summary = "Fetch a cluster's public key bundle, verify it against the pinned identity and save it.";

  static override description = [
    "Reads the key bundle the kubectl-seal controller publishes (ConfigMap kubectl-seal-keys in --controller-namespace) through the Kubernetes API, with the kubeconfig and context kubectl would use.",
    `The first time a cluster is seen, the identity that signs its bundles is pinned in ${PINNED_CLUSTERS_FILE} at the root of the Git repository (compare the printed fingerprint with the cluster's admin, then commit the file). Later bundles must be signed by the pinned identity; a different one is refused, naming both fingerprints, unless --repin says the identity was really replaced.`,
    "The verified bundle is saved with the pin, so `kubectl seal --cluster NAME` seals offline; -w also writes it to a file for `kubectl seal --keys FILE`.",
  ].join("\n\n");

  static override examples = [
    "<%= config.bin %> fetch-keys",
    "<%= config.bin %> fetch-keys --cluster prod --context prod-admin",
    "<%= config.bin %> fetch-keys --cluster staging --context staging -w staging-bundle.yaml",
  ];

  static override flags = {
    cluster: Flags.string({ description: "name to pin the cluster under (default: its pin for this context, else the context's name)", helpValue: "NAME" }),
    write: Flags.string({ char: "w", description: "also write the verified bundle to this file (for --keys)", helpValue: "FILE" }),
    repin: Flags.boolean({ description: "accept a new signing identity for an already pinned cluster (after a real key replacement)" }),
    output: Flags.string({ char: "o", description: "output format", options: ["table", "json"], default: "table" }),
    ...clusterFlags,
  };

  public async run(): Promise<void> {
    const { flags } = await this.parse(FetchKeys);
    const trusted = await fetchTrustedBundle({
      ...clusterOptionsOf(flags),
      cluster: flags.cluster,
      cwd: process.cwd(),
      repin: flags.repin,
    });
    if (flags.write !== undefined) await writeFileAtomic(flags.write, stringify(trusted.bundle, { lineWidth: 0 }));
    const pinFile = path.relative(process.cwd(), path.join(trusted.root, PINNED_CLUSTERS_FILE)) || PINNED_CLUSTERS_FILE;
    const fingerprint = fingerprintOf(trusted.bundle.signer);
    if (flags.output === "json") {
      this.log(JSON.stringify({ cluster: trusted.name, context: trusted.conn.context, fingerprint, change: trusted.change, pinFile, bundle: trusted.bundle }, null, 2));
    } else {
      this.log(`Cluster ${trusted.name} (context ${trusted.conn.context}, ${trusted.conn.server}), identity ${fingerprint}`);
      this.log(renderTable(["KEY ID", "TYPE", "CREATED", "EXPIRES"], trusted.bundle.keys.map((k) => [k.id, k.type, k.created, k.expires ?? ""])));
    }
    this.note(pinNote(trusted, pinFile) ?? `The pinned bundle of cluster ${trusted.name} in ${pinFile} is up to date.`);
    if (flags.write !== undefined) this.note(`Wrote the verified bundle to ${flags.write}.`);
  }
}
