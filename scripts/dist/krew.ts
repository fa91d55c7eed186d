// The krew plugin manifest (plugins/seal.yaml, the krew-index layout): one platform entry per release archive,
// with its download URL and SHA-256. krew installs the plugin as `kubectl seal` from the archive's kubectl-seal.
import { basename } from "node:path";
import { stringify } from "yaml";
import { ARCHIVE_DOCS, type Archive } from "./archive.ts";

export interface KrewOptions {
  version: string;
  /** Where the archives are downloaded from: the release's URL, each archive's file name appended. */
  baseUrl: string;
  homepage: string;
  archives: Archive[];
}

export function krewManifest(o: KrewOptions): string {
  const platforms = o.archives.map(({ target, file, sha256 }) => ({
    selector: { matchLabels: { os: target.os, arch: target.arch } },
    uri: `${o.baseUrl.replace(/\/$/, "")}/${basename(file)}`,
    sha256,
    files: [target.executable, ...ARCHIVE_DOCS].map((from) => ({ from, to: "." })),
    bin: target.executable,
  }));
  const manifest = {
    apiVersion: "krew.googlecontainertools.github.com/v1alpha2",
    kind: "Plugin",
    metadata: { name: "seal" },
    spec: {
      version: `v${o.version}`,
      homepage: o.homepage,
      shortDescription: "Seal Secrets with age so they are safe to commit to Git",
      description: [
        "kubectl seal turns a Kubernetes Secret into a SealedSecret whose values are encrypted with age",
        "(X25519 or post-quantum ML-KEM-768 + X25519) to a cluster's public keys; the kubectl-seal controller",
        "in the cluster unseals it. It also fetches and pins cluster keys, verifies and re-encrypts sealed files,",
        "rotates keys and scans Git for plaintext Secrets. One self-contained executable: no Node needed.",
      ].join("\n"),
      platforms,
    },
  };
  return stringify(manifest, { lineWidth: 0 });
}
