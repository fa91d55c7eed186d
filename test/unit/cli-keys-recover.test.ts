// `kubectl seal keys generate` and `kubectl seal recover` as real processes: an offline key set made by the CLI
// seals and recovers; the identity file is private, never overwritten, read by the standard age command and
// keeps the bundle signer; recover refuses a terminal and names the object, key and reason of every failure.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { signerOfIdentityFile } from "../../src/cli/identity-signer.js";
import { fingerprintOf, parseIdentityFile, verifyBundle } from "../../src/index.js";
import { requireTool } from "./core-fixtures.js";
import { BIN, CANARIES, expectErrorLine, expectNoCanary, keySet, kubectlSeal, secretYaml, workdir, type Workdir } from "./cli-fixtures.js";

let dir: Workdir;
beforeEach(() => {
  dir = workdir();
});
afterEach(() => dir.remove());

const modeOf = (file: string): number => fs.statSync(file).mode & 0o777;

describe("kubectl seal keys generate", () => {
  it("writes a 0600 identity and a signed bundle, prints recipient and signer; seal --keys then recover --identity", async () => {
    const run = kubectlSeal(["keys", "generate", "--out-identity", "recovery.txt", "--out-bundle", "recovery-bundle.yaml"], { cwd: dir.dir });
    expect(run.status).toBe(0);
    const [, recipient] = /^recipient: (age1\S+)$/m.exec(run.stdout) ?? [];
    const [, signer] = /^signer: (SHA256:\S+)$/m.exec(run.stdout) ?? [];
    expect(run.stderr).toBe("wrote recovery.txt (private: keep it offline and backed up) and recovery-bundle.yaml (public: seal with --keys recovery-bundle.yaml)\n");
    expect(modeOf(dir.path("recovery.txt"))).toBe(0o600);

    const bundle = verifyBundle(parse(dir.read("recovery-bundle.yaml")));
    expect(bundle.keys.map((k) => [k.recipient, k.type, k.expires])).toEqual([[recipient, "x25519", undefined]]);
    expect(fingerprintOf(bundle.signer)).toBe(signer);
    const identityText = dir.read("recovery.txt");
    const keys = await parseIdentityFile(identityText, "recovery.txt");
    expect(keys.map((k) => k.recipient)).toEqual([recipient]);
    // The signer is kept in the identity file, so the bundle can be re-signed later.
    expect(signerOfIdentityFile(identityText, "recovery.txt")?.publicKey).toBe(bundle.signer);
    // Nothing private is printed.
    expect(run.stdout + run.stderr).not.toContain("AGE-SECRET-KEY");
    expect(run.stdout + run.stderr).not.toContain(identityText.split("\n")[0]?.slice("# signer: ".length));

    dir.write("secret.yaml", secretYaml());
    expect(kubectlSeal(["--keys", "recovery-bundle.yaml", "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    const recovered = kubectlSeal(["recover", "sealed.yaml", "--identity", "recovery.txt", "-w", "plain.yaml"], { cwd: dir.dir });
    expect(recovered).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(modeOf(dir.path("plain.yaml"))).toBe(0o600);
    const secret = parse(dir.read("plain.yaml")) as { metadata: object; type: string; data: Record<string, string> };
    expect(secret.metadata).toEqual({ name: "db", namespace: "shop" });
    expect(secret.type).toBe("Opaque");
    expect(Buffer.from(secret.data["password"] ?? "", "base64").toString()).toBe(CANARIES[0]);
  });

  it("--pq makes a post-quantum key; --expires-in sets its expiry", () => {
    const run = kubectlSeal(["keys", "generate", "--pq", "--expires-in", "90d"], { cwd: dir.dir });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^recipient: age1pq1\S+$/m);
    const bundle = verifyBundle(parse(dir.read("bundle.yaml")));
    const [key] = bundle.keys;
    expect(key?.type).toBe("mlkem768x25519");
    expect(Date.parse(key?.expires ?? "") - Date.parse(key?.created ?? "")).toBe(90 * 86_400_000);
    dir.write("secret.yaml", secretYaml());
    expect(kubectlSeal(["--keys", "bundle.yaml", "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    expect(kubectlSeal(["recover", "sealed.yaml", "-i", "identity.txt"], { cwd: dir.dir }).stdout).toContain(Buffer.from(CANARIES[0] ?? "").toString("base64"));
  });

  it("refuses to overwrite either file, and writes neither then", () => {
    dir.write("bundle.yaml", "OLD\n");
    expectErrorLine(kubectlSeal(["keys", "generate"], { cwd: dir.dir }), "bundle.yaml already exists: refusing to overwrite it; choose another path or move the file away first");
    expect(dir.list()).toEqual(["bundle.yaml"]);
    expect(kubectlSeal(["keys", "generate", "--out-bundle", "other.yaml"], { cwd: dir.dir }).status).toBe(0);
    const identity = dir.read("identity.txt");
    expectErrorLine(kubectlSeal(["keys", "generate", "--out-bundle", "third.yaml"], { cwd: dir.dir }), "identity.txt already exists: refusing to overwrite it; choose another path or move the file away first");
    expect(dir.read("identity.txt")).toBe(identity);
  });

  it("refuses a bad --expires-in", () => {
    expectErrorLine(kubectlSeal(["keys", "generate", "--expires-in", "soon"], { cwd: dir.dir }), '--expires-in: "soon" is not a duration: write a number and a unit h, d, w or y, e.g. 90d or 1y');
    expect(dir.list()).toEqual([]);
  });

  it("the standard age command decrypts with the generated identity file (the signer line is a comment to it)", () => {
    requireTool("age");
    expect(kubectlSeal(["keys", "generate"], { cwd: dir.dir }).status).toBe(0);
    const raw = kubectlSeal(["--keys", "bundle.yaml", "--raw", "-n", "shop", "--name", "db", "--from-literal", `password=${CANARIES[0]}`], { cwd: dir.dir });
    dir.write("password.age", Buffer.from(raw.stdout.trim(), "base64"));
    const plaintext = execFileSync("age", ["-d", "-i", dir.path("identity.txt"), dir.path("password.age")], { encoding: "utf8" });
    expect(plaintext).toBe(`seal.dev/v1alpha1 strict shop/db/password\n${CANARIES[0]}`);
  });
});

describe("kubectl seal recover", () => {
  it("names the object, key and reason when a value cannot be opened", async () => {
    const { bundle } = await keySet(dir);
    dir.write("secret.yaml", secretYaml());
    expect(kubectlSeal(["--keys", bundle, "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    // A stranger's identity: unknown-key.
    const stranger = workdir();
    try {
      const { identity, key } = await keySet(stranger);
      expectErrorLine(
        kubectlSeal(["recover", "sealed.yaml", "--identity", identity], { cwd: dir.dir }),
        new RegExp(`sealed\\.yaml: cannot unseal \\(unknown-key\\): SealedSecret shop/db key password: sealed to key [0-9a-f]{16}; the available keys are ${key.id}: reseal with the current key bundle, or restore the key it was sealed to`),
      );
    } finally {
      stranger.remove();
    }
    // Moved to another name: wrong-scope.
    dir.write("moved.yaml", dir.read("sealed.yaml").replace("name: db", "name: other"));
    expectErrorLine(
      kubectlSeal(["recover", "moved.yaml", "-i", "identity.txt"], { cwd: dir.dir }),
      "moved.yaml: cannot unseal (wrong-scope): SealedSecret shop/other key password: the value was sealed for another namespace, name or key and was copied here: seal the value again for shop/other",
    );
    // A flipped byte: tampered.
    const sealed = dir.read("sealed.yaml");
    const [, value] = /password: (\S+)/.exec(sealed) ?? [];
    const bytes = Buffer.from(value ?? "", "base64");
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 1;
    dir.write("tampered.yaml", sealed.replace(value ?? "", bytes.toString("base64")));
    expectErrorLine(
      kubectlSeal(["recover", "tampered.yaml", "-i", "identity.txt", "-w", "out.yaml"], { cwd: dir.dir }),
      "tampered.yaml: cannot unseal (tampered): SealedSecret shop/db key password: the ciphertext fails authentication: the object was altered; reseal the value",
    );
    expect(fs.existsSync(dir.path("out.yaml"))).toBe(false);
    // Not an identity file, not a sealed file.
    expectErrorLine(kubectlSeal(["recover", "sealed.yaml", "-i", "bundle.yaml"], { cwd: dir.dir }), "bundle.yaml: line 1 is not an age identity (AGE-SECRET-KEY-1... or AGE-SECRET-KEY-PQ-1...): pass an identity file made by age-keygen or `kubectl seal keys generate`");
    expectErrorLine(kubectlSeal(["recover", "secret.yaml", "-i", "identity.txt"], { cwd: dir.dir }), "secret.yaml: object is a v1 Secret, not a seal.dev/v1alpha1 SealedSecret: pass a SealedSecret written by kubectl seal");
    expectErrorLine(kubectlSeal(["recover", "sealed.yaml", "-i", "missing.txt"], { cwd: dir.dir }), "identity file missing.txt does not exist: check the path and its permissions");
  });

  it("reads stdin and prints JSON", async () => {
    const { bundle } = await keySet(dir);
    const sealed = kubectlSeal(["--keys", bundle, "--scope", "cluster"], { input: secretYaml({}) });
    const run = kubectlSeal(["recover", "-", "-i", dir.path("identity.txt"), "-o", "json"], { input: sealed.stdout });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ apiVersion: "v1", kind: "Secret", metadata: { labels: { app: "shop" } } });
  });

  it("refuses to print values to a terminal unless --yes-print-secrets is given (real pty through script)", async () => {
    requireTool("script");
    const { bundle } = await keySet(dir);
    dir.write("secret.yaml", secretYaml());
    expect(kubectlSeal(["--keys", bundle, "secret.yaml", "-w", "sealed.yaml"], { cwd: dir.dir }).status).toBe(0);
    // script(1) runs the command on a new pseudo-terminal and copies its output; -e passes its exit status on.
    const run = (extra: string): { status: number; output: string } => {
      try {
        return { status: 0, output: execFileSync("script", ["-qec", `'${BIN}' recover sealed.yaml -i identity.txt ${extra}`, "/dev/null"], { cwd: dir.dir, encoding: "utf8" }) };
      } catch (error) {
        const failed = error as { status: number; stdout: string };
        return { status: failed.status, output: failed.stdout };
      }
    };
    const refused = run("");
    expect(refused.status).toBe(2);
    expect(refused.output.trim()).toBe("kubectl-seal: error: refusing to print Secret values to a terminal: write them to a file with -w FILE, pipe the output, or pass --yes-print-secrets");
    expectNoCanary({ status: 2, stdout: refused.output, stderr: "" }, [Buffer.from(CANARIES[0] ?? "").toString("base64")]);
    const allowed = run("--yes-print-secrets");
    expect(allowed.status).toBe(0);
    expect(allowed.output).toContain(Buffer.from(CANARIES[0] ?? "").toString("base64"));
  });
});
