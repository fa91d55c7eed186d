// The flags of `kubectl seal` (commands/seal.ts) as plain data: the command builds its oclif flags from these,
// and the fast path (seal-fast.ts) parses plain invocations with them without loading oclif.
import { clusterFlagSpecs } from "./cluster-options.js";
import type { BooleanFlagSpec, OptionFlagSpec } from "./flag-specs.js";

export const sealOptionFlags = {
  keys: { description: "signed key bundle file to seal to (repeatable); offline. kubeseal's --cert works too", multiple: true, multipleNonGreedy: true, helpValue: "BUNDLE", exclusive: ["cluster"], aliases: ["cert"] },
  cluster: { description: "pinned cluster to seal to (repeatable); default: the current kubeconfig context", multiple: true, multipleNonGreedy: true, helpValue: "NAME" },
  ...clusterFlagSpecs,
  recipient: { description: "extra age recipient to seal to as well, e.g. a recovery key (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "age1..." },
  scope: { description: "what each value is bound to: strict | namespace | cluster (kubeseal's namespace-wide and cluster-wide are the same)", default: "strict", helpValue: "SCOPE" },
  "from-literal": { description: "a key and its literal value (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "KEY=VALUE" },
  "from-file": { description: "a file's content as a value; the key defaults to the file name; a directory adds each file (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "[KEY=]PATH" },
  "from-env-file": { description: "KEY=VALUE lines of a file as values (repeatable)", multiple: true, multipleNonGreedy: true, helpValue: "PATH" },
  name: { description: "Secret name (fills in a manifest without one)", helpValue: "NAME" },
  namespace: { char: "n", description: "Secret namespace (fills in a manifest without one)", helpValue: "NAMESPACE" },
  type: { description: "Secret type, e.g. kubernetes.io/tls", helpValue: "TYPE" },
  output: { char: "o", description: "output format (kubeseal's --format works too)", options: ["yaml", "json"], exclusive: ["raw"], aliases: ["format"] },
  write: { char: "w", description: "write to FILE (atomically) instead of stdout", helpValue: "FILE" },
  "merge-into": { description: "add or replace the keys in this sealed file, keeping every other value byte for byte; writes it back unless -w", helpValue: "FILE", exclusive: ["raw"] },
  message: { char: "m", description: "commit message for --commit", dependsOn: ["commit"], helpValue: "MSG" },
} satisfies Record<string, OptionFlagSpec>;

export const sealBooleanFlags = {
  raw: { description: "print only the sealed value (base64 age file) of the single key, for pasting into a SealedSecret" },
  commit: { description: "commit the written file (-w or --merge-into), and only it, to the Git repository" },
} satisfies Record<string, BooleanFlagSpec>;
