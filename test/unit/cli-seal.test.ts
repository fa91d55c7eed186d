// `kubectl seal` (the root command) as a real process: round trips through `kubectl seal recover` for every
// scope, the input forms (multi-document, List, directory, stdin, --from-*), -o json, --raw and --merge-into, and
// kubeseal's spellings of the flags.
import * as fs from "node:fs";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { parseManifests, sealedSecretFromManifest, unseal, type PrivateKey, type SealedSecret } from "../../src/index.js";
import { CANARIES, expectErrorLine, expectNoCanary, keySet, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
let keys: { key: PrivateKey; identity: string; bundle: string };
beforeEach(async () => {
  dir = workdir();
  keys = await keySet(dir);
});
afterEach(() => dir.remove());

const b64 = (text: string): string => Buffer.from(text).toString("base64");

/** The data of the Secrets `recover` prints for `file`, values decoded. */
function recovered(file: string): Record<string, string>[] {
  const run = kubectlSeal(["recover", file, "--identity", keys.identity]);
  expect(run.stderr).toBe("");
  expect(run.status).toBe(0);
  return parseAllDocuments(run.stdout).map((doc) => {
    const secret = doc.toJS() as { kind: string; data: Record<string, string> };
    expect(secret.kind).toBe("Secret");
    return Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));
  });
}

function sealedIn(text: string): SealedSecret[] {
  return parseManifests(text, "output").map((doc) => sealedSecretFromManifest(doc, "output"));
}

describe("kubectl seal FILE --keys BUNDLE", () => {
  it.each([
    ["strict", { name: "db", namespace: "shop" }],
    ["namespace", { namespace: "shop" }],
    ["cluster", {}],
  ] as const)("round trips with scope %s: seal -w, recover gives the values back", (scope, meta) => {
    dir.write("secret.yaml", secretYaml(meta));
    const run = kubectlSeal(["--keys", keys.bundle, "--scope", scope, "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir });
    expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
    const sealed = sealedIn(dir.read("sealed.yaml"));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]?.spec.scope).toBe(scope);
    expect(sealed[0]?.spec.sealedTo?.["password"]).toEqual([keys.key.id]);
    expect(dir.read("sealed.yaml")).not.toMatch(new RegExp(CANARIES.join("|")));
    expect(recovered(dir.path("sealed.yaml"))).toEqual([{ password: CANARIES[0], token: CANARIES[1] }]);
  });

  it("reads multi-document YAML, Lists, JSON, directories and stdin, in order", () => {
    const one = (name: string): string => secretYaml({ name, namespace: "shop" });
    dir.write("multi.yaml", `${one("a")}---\n${one("b")}---\n`);
    const list = { apiVersion: "v1", kind: "List", items: [parse(one("c")), parse(one("d"))] };
    dir.write("dir/1-list.json", JSON.stringify(list));
    dir.write("dir/2-e.yml", one("e"));
    dir.write("dir/notes.txt", "not a manifest");
    const run = kubectlSeal(["--keys", keys.bundle, "multi.yaml", "dir", "-"], { cwd: dir.dir, input: one("f") });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(sealedIn(run.stdout).map((s) => s.metadata.name)).toEqual(["a", "b", "c", "d", "e", "f"]);
    // No argument at all: stdin.
    const fromStdin = kubectlSeal(["--keys", keys.bundle], { cwd: dir.dir, input: one("g") });
    expect(sealedIn(fromStdin.stdout).map((s) => s.metadata.name)).toEqual(["g"]);
  });

  it("-o json prints one object, or a List for several", () => {
    dir.write("secret.yaml", secretYaml());
    const single = kubectlSeal(["--keys", keys.bundle, "-o", "json", "secret.yaml"], { cwd: dir.dir });
    expect(JSON.parse(single.stdout)).toMatchObject({ apiVersion: "seal.dev/v1alpha1", kind: "SealedSecret", metadata: { name: "db", namespace: "shop" } });
    const several = kubectlSeal(["--keys", keys.bundle, "-o", "json", "secret.yaml", "secret.yaml"], { cwd: dir.dir });
    const parsed = JSON.parse(several.stdout) as { kind: string; items: unknown[] };
    expect(parsed.kind).toBe("List");
    expect(parsed.items).toHaveLength(2);
    dir.write("sealed.json", several.stdout);
    expect(recovered(dir.path("sealed.json"))).toHaveLength(2);
  });

  it("builds the Secret from --from-literal, --from-file (with and without a key), --from-env-file and --type", () => {
    dir.write("files/ca.crt", "CERT\nLINES\n");
    dir.write("tls.key", CANARIES[1] ?? "");
    dir.write("app.env", `# comment\n\nUSER=admin\n  SPACED = value with spaces \nURL=https://x/?a=b\n`);
    const run = kubectlSeal(
      ["--keys", keys.bundle, "-n", "shop", "--name", "web", "--type", "kubernetes.io/tls", "--from-literal", `password=${CANARIES[0]}=x`,
        "--from-file", "files/ca.crt", "--from-file", "key=tls.key", "--from-env-file", "app.env", "-w", "sealed.yaml"],
      { cwd: dir.dir },
    );
    expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(sealedIn(dir.read("sealed.yaml"))[0]?.spec.template?.type).toBe("kubernetes.io/tls");
    expect(recovered(dir.path("sealed.yaml"))).toEqual([
      { password: `${CANARIES[0]}=x`, "ca.crt": "CERT\nLINES\n", key: CANARIES[1], USER: "admin", SPACED: " value with spaces ", URL: "https://x/?a=b" },
    ]);
  });

  it("--from-file DIRECTORY adds each of its files under its name", () => {
    dir.write("conf/a.txt", "A");
    dir.write("conf/b.txt", "B");
    const run = kubectlSeal(["--keys", keys.bundle, "-n", "shop", "--name", "conf", "--from-file", "conf", "-w", "sealed.yaml"], { cwd: dir.dir });
    expect(run.status).toBe(0);
    expect(recovered(dir.path("sealed.yaml"))).toEqual([{ "a.txt": "A", "b.txt": "B" }]);
  });

  it("--namespace and --name fill in a manifest that has none", () => {
    dir.write("secret.yaml", secretYaml({}));
    const run = kubectlSeal(["--keys", keys.bundle, "-n", "shop", "--name", "db", "secret.yaml"], { cwd: dir.dir });
    expect(sealedIn(run.stdout)[0]?.metadata).toEqual({ name: "db", namespace: "shop" });
  });

  it("--raw prints just the base64 age file of the one value, bound to namespace/name/key", async () => {
    const run = kubectlSeal(["--keys", keys.bundle, "--raw", "-n", "shop", "--name", "db", "--from-literal", `password=${CANARIES[0]}`], { cwd: dir.dir });
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^[A-Za-z0-9+/]+=*\n$/);
    expectNoCanary(run);
    const pasted: SealedSecret = {
      apiVersion: "seal.dev/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: "db", namespace: "shop" },
      spec: { scope: "strict", encryptedData: { password: run.stdout.trim() } },
    };
    const { secret } = await unseal(pasted, [keys.key]);
    expect(new TextDecoder().decode(secret.data["password"])).toBe(CANARIES[0]);
    // Pasted under another key it is refused: the binding names the key.
    await expect(unseal({ ...pasted, spec: { ...pasted.spec, encryptedData: { other: run.stdout.trim() } } }, [keys.key])).rejects.toThrow(/wrong-scope|sealed for another/);
  });

  it("--merge-into replaces one key and keeps every other line byte for byte", () => {
    dir.write("secret.yaml", secretYaml());
    expect(kubectlSeal(["--keys", keys.bundle, "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    const before = dir.read("sealed.yaml");
    const mode = fs.statSync(dir.path("sealed.yaml")).mode;
    const run = kubectlSeal(["--keys", keys.bundle, "-n", "shop", "--name", "db", "--from-literal", "token=rotated", "--from-literal", "extra=new", "--merge-into", "sealed.yaml"], { cwd: dir.dir });
    expect(run).toEqual({ status: 0, stdout: "", stderr: "" });
    const after = dir.read("sealed.yaml");
    const passwordLine = (text: string): string | undefined => text.split("\n").find((line) => line.startsWith("    password: "));
    expect(passwordLine(after)).toBe(passwordLine(before));
    expect(after).not.toBe(before);
    expect(fs.statSync(dir.path("sealed.yaml")).mode).toBe(mode);
    // Only the token line changed and the extra lines were added (encryptedData and sealedTo).
    const removed = before.split("\n").filter((line) => !after.split("\n").includes(line));
    expect(removed).toEqual([expect.stringMatching(/^ {4}token: /)]);
    expect(recovered(dir.path("sealed.yaml"))).toEqual([{ password: CANARIES[0], token: "rotated", extra: "new" }]);
    expect(dir.list()).toEqual(["bundle.yaml", "identity.txt", "sealed.yaml", "secret.yaml"]);
  });

  it("--merge-into with -w writes the merge there and leaves the merged file alone", () => {
    dir.write("secret.yaml", secretYaml());
    kubectlSeal(["--keys", keys.bundle, "secret.yaml", "-o", "json", "-w", "sealed.json"], { cwd: dir.dir });
    const before = dir.read("sealed.json");
    const run = kubectlSeal(["--keys", keys.bundle, "-n", "shop", "--name", "db", "--from-literal", "extra=new", "--merge-into", "sealed.json", "-w", "merged.json"], { cwd: dir.dir });
    expect(run.status).toBe(0);
    expect(dir.read("sealed.json")).toBe(before);
    // JSON in, JSON out.
    expect(Object.keys((JSON.parse(dir.read("merged.json")) as SealedSecret).spec.encryptedData)).toEqual(["extra", "password", "token"]);
  });

  it("--from-literal values of any text round-trip (fast-check)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 40 }).filter((value) => !value.includes("\0")), async (value) => {
        const run = kubectlSeal(["--keys", keys.bundle, "-n", "shop", "--name", "db", "--from-literal", `value=${value}`], { cwd: dir.dir });
        expect(run.stderr).toBe("");
        const sealed = sealedIn(run.stdout)[0];
        if (sealed === undefined) throw new Error("no SealedSecret printed");
        const { secret } = await unseal(sealed, [keys.key]);
        expect(new TextDecoder().decode(secret.data["value"])).toBe(value);
      }),
      { numRuns: 12 },
    );
  });
});

describe("the offline path", () => {
  it("never loads the Kubernetes client or Git (module resolution watched in the real process)", () => {
    // A resolve hook, preloaded through NODE_OPTIONS, reports every module URL the process resolves.
    const hook = dir.write(
      "watch.mjs",
      `import { registerHooks } from "node:module";\nregisterHooks({ resolve(specifier, context, next) { const result = next(specifier, context); process.stderr.write("resolved " + result.url + "\\n"); return result; } });\n`,
    );
    dir.write("secret.yaml", secretYaml());
    const run = kubectlSeal(["--keys", keys.bundle, "secret.yaml", "-w", "sealed.yaml"], {
      cwd: dir.dir,
      env: { ...process.env, NODE_OPTIONS: `--import=${pathToFileURL(hook).href}` },
    });
    expect(run.status).toBe(0);
    const resolved = run.stderr.split("\n").filter((line) => line.startsWith("resolved "));
    expect(resolved.some((line) => line.includes("/src/seal.js"))).toBe(true); // the hook sees the sealing code
    expect(resolved.filter((line) => /@kubernetes|isomorphic-git|\/src\/git\/|\/src\/cluster\//.test(line))).toEqual([]);
  });
});

// Coming from kubeseal: its spellings seal exactly as ours, on the fast path and through oclif.
describe("kubeseal's flag spellings", () => {
  it.each([
    ["fast path", [], "namespace-wide", "namespace"],
    ["oclif", ["seal"], "cluster-wide", "cluster"],
  ])("--cert, --format and --scope work as --keys, -o and --scope (%s)", async (_path, prefix, kubesealScope, scope) => {
    const file = dir.write("secret.yaml", secretYaml());
    const run = kubectlSeal([...prefix, "--cert", keys.bundle, "--format", "json", "--scope", kubesealScope, file]);
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith("{")).toBe(true);
    const [sealed] = parseManifests(run.stdout, "out").map((doc) => sealedSecretFromManifest(doc, "out"));
    expect(sealed?.spec.scope).toBe(scope);
    const { secret } = await unseal(sealed!, [keys.key]);
    expect(new TextDecoder().decode(secret.data["password"])).toBe(CANARIES[0]);
    expectNoCanary(run);
  });

  it("still refuses a scope neither spells", () => {
    const run = kubectlSeal(["--cert", keys.bundle, "--scope", "namespace-ish", dir.write("secret.yaml", secretYaml())]);
    expectErrorLine(run, '--scope: unknown scope "namespace-ish": use one of strict, namespace, cluster');
  });
});
