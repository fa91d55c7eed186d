// Every bad input to `kubectl seal` gets exactly one line on stderr (what is wrong, naming the file or object, then
// what to do), exit status 2, no stack trace, no value of the input in any output, and leaves the -w file as it was
// with no temporary file beside it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CANARIES, expectErrorLine, keySet, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
let bundle: string;
const [canary] = CANARIES;
const secret = (body: string, meta = "{name: db, namespace: shop}"): string => `apiVersion: v1\nkind: Secret\nmetadata: ${meta}\n${body}`;

/** Alias bomb: each level refers to the previous one ten times. */
const aliasBomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => {
  const [name, previous] = [String.fromCharCode(98 + i), String.fromCharCode(97 + i)];
  return `${name}: &${name} [${Array(10).fill(`*${previous}`).join(", ")}]`;
})].join("\n");

beforeAll(async () => {
  dir = workdir();
  ({ bundle } = await keySet(dir));
  dir.write("good.yaml", secretYaml());
  dir.write("invalid.yaml", secret(`stringData:\n  password: ${canary}\n   - broken: [\n`));
  dir.write("configmap.yaml", `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: db, namespace: shop}\ndata: {password: ${canary}}\n`);
  dir.write("base64.yaml", secret(`data:\n  password: ${canary}!\n`));
  dir.write("nonstring.yaml", secret(`stringData:\n  password: [${canary}]\n`));
  dir.write("no-namespace.yaml", secret(`stringData:\n  password: ${canary}\n`, "{name: db}"));
  dir.write("no-name.yaml", secret(`stringData:\n  password: ${canary}\n`, "{namespace: shop}"));
  dir.write("bomb.yaml", aliasBomb);
  dir.write("big.bin", Buffer.alloc(1024 * 1024 + 1, 0x61));
  dir.write("half.bin", Buffer.alloc(512 * 1024 + 1, 0x61));
  dir.write("unsigned.yaml", dir.read("bundle.yaml").replace(/^signature: .*\n/m, ""));
  dir.write("tampered.yaml", dir.read("bundle.yaml").replace(/created: "2/, 'created: "1'));
  dir.write("empty.yaml", "");
  dir.write("bad.env", `USER=admin\n${canary}\n`);
  dir.write("subdir/readme.txt", "no manifests here");
});
afterAll(() => dir.remove());

const shopDb = ["-n", "shop", "--name", "db"];

describe("kubectl seal refuses bad input with one line and exit 2", () => {
  const cases: [string, () => string[], string | RegExp][] = [
    ["invalid YAML", () => ["invalid.yaml"], "invalid.yaml: invalid YAML at line 5, column 13 (Nested mappings are not allowed in compact mappings): fix the syntax, or check that the file is a Kubernetes manifest"],
    ["a kind other than Secret", () => ["configmap.yaml"], "configmap.yaml: shop/db is a v1 ConfigMap, not a v1 Secret: only Secrets can be sealed; remove other objects from the input"],
    ["a bad object after a good one", () => ["good.yaml", "configmap.yaml"], "configmap.yaml: shop/db is a v1 ConfigMap, not a v1 Secret: only Secrets can be sealed; remove other objects from the input"],
    ["invalid base64", () => ["base64.yaml"], "base64.yaml: Secret shop/db: data.password is not valid base64: encode it with `base64 -w0`, or move the plain value under stringData"],
    ["non-string stringData", () => ["nonstring.yaml"], /nonstring\.yaml: Secret shop\/db: stringData\.password is an? object, not a string: quote the value in YAML/],
    ["no namespace for strict scope", () => ["no-namespace.yaml"], "no-namespace.yaml: Secret db has no namespace, which strict scope binds to: set metadata.namespace (or --namespace), or choose --scope cluster"],
    ["no name for strict scope", () => ["no-name.yaml"], "no-name.yaml: Secret shop/(no name) has no name, which strict scope binds to: set metadata.name (or --name), or choose --scope namespace or cluster"],
    ["no namespace for namespace scope", () => ["--scope", "namespace", "no-namespace.yaml"], "no-namespace.yaml: Secret db has no namespace, which namespace scope binds to: set metadata.namespace (or --namespace), or choose --scope cluster"],
    ["an unknown scope", () => ["--scope", "global", "good.yaml"], '--scope: unknown scope "global": use one of strict, namespace, cluster'],
    ["a value over 1 MiB", () => [...shopDb, "--from-file", "big.bin"], "file big.bin is larger than Kubernetes' 1 MiB Secret limit (1048576 bytes): keep large files out of Secrets"],
    ["values over 1 MiB together", () => [...shopDb, "--from-file", "a=half.bin", "--from-file", "b=half.bin"], "--from-* flags: Secret shop/db: 1048578 bytes of data exceeds Kubernetes' 1 MiB (1048576 bytes) Secret limit: split it into several Secrets or keep large files out of Secrets"],
    ["a YAML alias bomb", () => ["bomb.yaml"], "bomb.yaml: YAML document 1 expands aliases beyond the limit of 100 (an alias bomb?): write the values out instead of using anchors and aliases"],
    ["a missing file", () => ["missing.yaml"], "file missing.yaml does not exist: check the path and its permissions"],
    ["a directory without manifests", () => ["subdir"], "subdir holds no .yaml, .yml or .json files: pass the manifest files or a directory of them"],
    ["an input without Secrets", () => ["empty.yaml"], "empty.yaml holds no Secret: pass Secret manifests, or build one with --from-literal/--from-file/--from-env-file"],
    ["a bad env file line", () => [...shopDb, "--from-env-file", "bad.env"], "env file bad.env: line 2 is not KEY=VALUE: write one KEY=VALUE per line (# starts a comment)"],
    ["a literal without =", () => [...shopDb, "--from-literal", canary ?? ""], "--from-literal: expected KEY=VALUE: write --from-literal KEY=VALUE"],
    ["a key given twice", () => [...shopDb, "--from-literal", `a=${canary}`, "--from-literal", "a=b"], '--from-literal: key "a" is given more than once: give each key once'],
    ["files and --from-* together", () => ["good.yaml", "--from-literal", "a=b"], "both manifest files (good.yaml) and --from-* flags given: seal either files or one Secret built from --from-* flags"],
    ["--name disagreeing with the manifest", () => ["--name", "other", "good.yaml"], 'good.yaml: Secret shop/db has name "db" but --name is "other": drop --name or make the manifest agree'],
    ["--raw with two values", () => ["--raw", "good.yaml"], "--raw seals one value, but Secret shop/db has 2 keys: give exactly one --from-literal or --from-file"],
    ["a bad --recipient", () => ["--recipient", "age1bogus", "good.yaml"], '--recipient: "age1bogus" is not an age X25519 (age1...) or post-quantum (age1pq1...) recipient: copy the public key line from age-keygen or a kubectl-seal key bundle'],
    ["--commit outside a Git repository", () => ["--commit", "good.yaml"], /\/\S+ is not inside a Git repository: run the command inside a clone, or create one with `git init`/],
  ];

  it.each(cases)("%s", (_, args, line) => {
    dir.write("out.yaml", "OLD\n");
    const before = dir.list();
    expectErrorLine(kubectlSeal(["--keys", bundle, ...args(), "-w", "out.yaml"], { cwd: dir.dir }), line);
    expect(dir.read("out.yaml")).toBe("OLD\n");
    expect(dir.list()).toEqual(before);
  });

  it.each([
    ["a missing bundle", "nope.yaml", "key bundle nope.yaml does not exist: check the path and its permissions"],
    ["a directory as bundle", "subdir", "key bundle subdir is a directory: check the path and its permissions"],
    ["an unsigned bundle", "unsigned.yaml", "unsigned.yaml: key bundle has no signature: pass the bundle.yaml published by the cluster or made by `kubectl seal keys generate`"],
    ["a tampered bundle", "tampered.yaml", /tampered\.yaml: key bundle signed by SHA256:\S+ has an invalid signature: the bundle was altered after signing; fetch it again from the cluster/],
    ["a Secret as bundle", "good.yaml", "good.yaml: key bundle is not a seal.dev/v1alpha1 KeyBundle: pass the bundle.yaml published by the cluster or made by `kubectl seal keys generate`"],
  ] as const)("%s", (_, keys, line) => {
    dir.write("out.yaml", "OLD\n");
    expectErrorLine(kubectlSeal(["--keys", keys, "good.yaml", "-w", "out.yaml"], { cwd: dir.dir }), line);
    expect(dir.read("out.yaml")).toBe("OLD\n");
  });

  it("--commit to stdout", () => {
    expectErrorLine(kubectlSeal(["--keys", bundle, "--commit", "good.yaml"], { cwd: dir.dir }), "--commit needs a file to commit, but the output goes to stdout: add -w FILE or --merge-into FILE");
  });

  it("a -w file in a missing directory: one line, nothing created", () => {
    const before = dir.list();
    expectErrorLine(kubectlSeal(["--keys", bundle, "good.yaml", "-w", "nodir/out.yaml"], { cwd: dir.dir }), "cannot write nodir/out.yaml (ENOENT): check that its directory exists and is writable");
    expect(dir.list()).toEqual(before);
  });

  it("--merge-into a file that is not one SealedSecret leaves it untouched", () => {
    const before = dir.read("good.yaml");
    expectErrorLine(
      kubectlSeal(["--keys", bundle, ...shopDb, "--from-literal", "a=b", "--merge-into", "good.yaml"], { cwd: dir.dir }),
      "good.yaml: object is a v1 Secret, not a seal.dev/v1alpha1 SealedSecret: pass a SealedSecret written by kubectl seal",
    );
    expect(dir.read("good.yaml")).toBe(before);
  });

  it("--merge-into a SealedSecret of another name is refused", () => {
    expect(kubectlSeal(["--keys", bundle, "good.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    const before = dir.read("sealed.yaml");
    expectErrorLine(
      kubectlSeal(["--keys", bundle, "-n", "shop", "--name", "web", "--from-literal", "a=b", "--merge-into", "sealed.yaml"], { cwd: dir.dir }),
      'SealedSecret shop/db: cannot merge a value sealed with name "web" into one with name "db": seal with the same name as the existing file, or write a new file',
    );
    expect(dir.read("sealed.yaml")).toBe(before);
  });

});

describe("usage errors are one line naming the command's help, exit 2", () => {
  // Through the fast path's fallback to oclif (the root command) and through oclif's commands alike.
  it.each([
    ["an unknown flag", () => ["--keys", bundle, "--no-such-flag", "good.yaml"], "unknown flag --no-such-flag: see `kubectl seal --help`"],
    ["a bad flag value", () => ["--keys", bundle, "-o", "xml", "good.yaml"], '--output "xml" is not one of yaml, json: see `kubectl seal --help`'],
    ["exclusive flags", () => ["--keys", bundle, "--raw", "-o", "json", "good.yaml"], "--raw cannot be used with --output: see `kubectl seal --help`"],
    ["a flag that needs another", () => ["--keys", bundle, "-m", "msg", "good.yaml"], "--message needs --commit: see `kubectl seal --help`"],
    ["a flag without its value", () => ["good.yaml", "--keys"], "flag --keys needs a value: see `kubectl seal --help`"],
    ["recover without FILE", () => ["recover"], "missing argument FILE: see `kubectl seal recover --help`"],
    ["recover without --identity", () => ["recover", "good.yaml"], "missing required flag --identity: see `kubectl seal recover --help`"],
    ["recover with an extra argument", () => ["recover", "good.yaml", "-i", "identity.txt", "extra"], "unexpected argument extra: see `kubectl seal recover --help`"],
    ["keys restore with an unknown flag", () => ["keys", "restore", "x.age", "-i", "identity.txt", "--bogus"], "unknown flag --bogus: see `kubectl seal keys restore --help`"],
    ["status with an unknown flag", () => ["status", "--bogus"], "unknown flag --bogus: see `kubectl seal status --help`"],
    ["an unknown command", () => ["keys", "frobnicate"], 'unknown command "keys frobnicate": `kubectl seal help` lists the commands'],
  ] as const)("%s", (_, args, line) => {
    expectErrorLine(kubectlSeal(args(), { cwd: dir.dir }), line);
  });
});
