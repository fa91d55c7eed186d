// Hostile input to the real CLI (bin/kubectl-seal): endless devices, FIFOs without a writer and 50 MB values are
// refused with one line, exit 2, having read at most the limit (a FIFO where kubectl takes one, FILE, --from-file
// and --from-env-file, is read like a file, so `<(command)` works, and refused after 10 s of silence) (each run is killed after SPAWN_TIMEOUT_MS, so a
// run that reads without bound fails the test instead of hanging it); bytes that are not UTF-8 are refused where
// they would be changed; recover -w never writes plaintext over its input or where Git would track it; an identity
// file open to others is used with ssh's warning; a pipe closed by its reader stops sealing.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../src/index.js";
import { BIN, CANARIES, expectErrorLine, keySet, kubectlSeal, secretYaml, workdir, type Run, type Workdir } from "./cli-fixtures.js";

const SPAWN_TIMEOUT_MS = 60_000;
let dir: Workdir;
let bundle: string;
const shopDb = ["-n", "shop", "--name", "db"];

/** The CLI with `stdin` as its standard input (a file descriptor or "pipe" with `input`), killed after the timeout. */
function run(args: readonly string[], stdin: number | "pipe" = "pipe", input = ""): Run {
  const result = spawnSync(BIN, args, { cwd: dir.dir, input, stdio: [stdin, "pipe", "pipe"], encoding: "utf8", timeout: SPAWN_TIMEOUT_MS });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  dir = workdir();
  ({ bundle } = await keySet(dir));
  execFileSync("mkfifo", [dir.path("fifo")]);
  const fiftyMB = Buffer.alloc(50 * 1024 * 1024, 0x61);
  dir.write("big.yaml", Buffer.concat([Buffer.from("apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData:\n  v: \""), fiftyMB, Buffer.from("\"\n")]));
  dir.write("secret.yaml", secretYaml());
});
afterAll(() => dir.remove());

describe("reads are bounded: refused at the limit or before the first byte", () => {
  const device = (file: string, what = "file"): string =>
    `${what} ${file} is a character device, not a regular file: copy the data to a regular file first (manifests can also be piped to stdin with -)`;
  const fifo = (what = "file"): string =>
    `${what} fifo is a FIFO (named pipe), not a regular file: copy the data to a regular file first (manifests can also be piped to stdin with -)`;
  const silent = (what = "file"): string =>
    `${what} fifo is a FIFO (named pipe) and nothing was written to it for 10 s: start the command that writes it (as <(command) does), or copy the data to a regular file first`;
  const tooBig = (what: string, limit: string, bytes: number, hint: string): string => `${what} is larger than ${limit} (${bytes} bytes): ${hint}`;
  const manifestLimit = (what: string): string => tooBig(what, "the 8 MiB input limit", 8 * 1024 * 1024, "split the manifests into several files");

  it.each([
    ["--from-file /dev/zero", () => [...shopDb, "--from-file", "z=/dev/zero"], device("/dev/zero")],
    ["--from-file /dev/urandom", () => [...shopDb, "--from-file", "z=/dev/urandom"], device("/dev/urandom")],
    ["/dev/zero as FILE", () => ["/dev/zero"], device("/dev/zero")],
    ["a FIFO without a writer as FILE", () => ["fifo"], silent()],
    ["a FIFO without a writer as --from-file", () => [...shopDb, "--from-file", "fifo"], silent()],
    ["a FIFO without a writer as --from-env-file", () => [...shopDb, "--from-env-file", "fifo"], silent("env file")],
    ["a 50 MB manifest", () => ["big.yaml"], manifestLimit("file big.yaml")],
    ["a 50 MB --from-file value", () => [...shopDb, "--from-file", "v=big.yaml"], tooBig("file big.yaml", "Kubernetes' 1 MiB Secret limit", 1024 * 1024, "keep large files out of Secrets")],
  ] as const)("%s", (_, args, line) => {
    expectErrorLine(run(["--keys", bundle, ...args()]), line);
  }, 90_000);

  it("a FIFO as --keys bundle, --merge-into target, recover input and identity", { timeout: 120_000 }, () => {
    expectErrorLine(run(["--keys", "fifo", "secret.yaml"]), fifo("key bundle"));
    expectErrorLine(run(["--keys", bundle, ...shopDb, "--from-literal", "a=b", "--merge-into", "fifo"]), fifo("sealed file"));
    expectErrorLine(run(["recover", "fifo", "-i", "identity.txt", "-w", "out.yaml"]), silent());
    expectErrorLine(run(["recover", "secret.yaml", "-i", "fifo"]), fifo("identity file"));
    expectErrorLine(run(["recover", "secret.yaml", "-i", "/dev/urandom"]), device("/dev/urandom", "identity file"));
  });

  it("<(command) as --from-file, --from-env-file and FILE is read byte for byte; an endless one stops at the limit", { timeout: 120_000 }, () => {
    const bash = (script: string): Run => {
      const result = spawnSync("bash", ["-c", script, BIN, bundle], { cwd: dir.dir, encoding: "utf8", timeout: SPAWN_TIMEOUT_MS });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const sealed = bash(`"$0" --keys "$1" -n shop --name db --from-file bin=<(printf '\\000\\377x') --from-env-file <(printf 'USER=admin\\n') -w piped.yaml`);
    expect([sealed.status, sealed.stderr]).toEqual([0, ""]);
    const recovered = run(["recover", "piped.yaml", "-i", "identity.txt"]);
    expect(recovered.stdout).toContain(`bin: ${Buffer.from([0, 0xff, 0x78]).toString("base64")}`);
    expect(recovered.stdout).toContain(`USER: ${Buffer.from("admin").toString("base64")}`);
    const file = bash(`"$0" --keys "$1" <(cat secret.yaml) -w piped-file.yaml`);
    expect([file.status, file.stderr]).toEqual([0, ""]);
    expect(run(["recover", "piped-file.yaml", "-i", "identity.txt"]).stdout).toContain(`password: ${Buffer.from(CANARIES[0] ?? "").toString("base64")}`);
    const endless = bash(`exec "$0" --keys "$1" -n shop --name db --from-file z=<(cat /dev/zero)`);
    expectErrorLine(endless, /file \/dev\/fd\/\d+ is larger than Kubernetes' 1 MiB Secret limit \(1048576 bytes\): keep large files out of Secrets/);
  });

  it("stdin: /dev/zero and a 50 MB pipe stop at the limit", { timeout: 120_000 }, () => {
    const zero = fs.openSync("/dev/zero", "r");
    try {
      expectErrorLine(run(["--keys", bundle], zero), manifestLimit("stdin"));
      expectErrorLine(run(["recover", "-", "-i", "identity.txt"], zero), manifestLimit("stdin"));
    } finally {
      fs.closeSync(zero);
    }
    const big = fs.openSync(dir.path("big.yaml"), "r");
    try {
      expectErrorLine(run(["--keys", bundle, "-"], big), manifestLimit("stdin"));
    } finally {
      fs.closeSync(big);
    }
  });
});

describe("values are sealed byte for byte or refused", () => {
  it("--from-literal with a byte that is not UTF-8 (as a shell passes $'X\\xff')", { timeout: 90_000 }, () => {
    const result = spawnSync("bash", ["-c", `exec "$0" --keys "$1" -n shop --name db --from-literal "a=$(printf 'X\\377')"`, BIN, bundle], { cwd: dir.dir, encoding: "utf8", timeout: SPAWN_TIMEOUT_MS });
    expectErrorLine({ status: result.status, stdout: result.stdout, stderr: result.stderr }, "--from-literal a: the value is not valid UTF-8 text (or holds U+FFFD): pass values that are not text with --from-file");
  });

  it("an env file and a manifest with a byte that is not UTF-8; stringData with a lone surrogate", { timeout: 120_000 }, () => {
    dir.write("latin1.env", Buffer.concat([Buffer.from(`USER=admin\nPASSWORD=${CANARIES[0]}`), Buffer.from([0xe9]), Buffer.from("\n")]));
    expectErrorLine(run(["--keys", bundle, ...shopDb, "--from-env-file", "latin1.env"]), "env file latin1.env: line 2 is not valid UTF-8: save it as UTF-8, or pass binary values with --from-file");
    dir.write("latin1.yaml", Buffer.concat([Buffer.from(secretYaml().replace(/\n$/, "")), Buffer.from([0xff, 0x0a])]));
    expectErrorLine(run(["--keys", bundle, "latin1.yaml"]), "file latin1.yaml: line 9 is not valid UTF-8: save it as UTF-8 text; binary values go under data (base64) or --from-file");
    const json = `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"db","namespace":"shop"},"stringData":{"a":"${CANARIES[0]}\\ud800"}}`;
    expectErrorLine(run(["--keys", bundle], "pipe", json), "stdin: Secret shop/db: stringData.a is not valid Unicode text (it holds a lone surrogate): put values that are not text base64-encoded under data");
  });
});

describe("recover -w does not put plaintext where it does harm", () => {
  beforeAll(() => {
    expect(run(["--keys", bundle, "secret.yaml", "-w", "sealed.yaml"]).status).toBe(0);
  }, 120_000);

  it("refuses its own input, by any name, and leaves it sealed", { timeout: 120_000 }, () => {
    const sealed = dir.read("sealed.yaml");
    fs.linkSync(dir.path("sealed.yaml"), dir.path("linked.yaml"));
    expectErrorLine(run(["recover", "sealed.yaml", "-i", "identity.txt", "-w", "sealed.yaml"]), "-w sealed.yaml is the sealed file being recovered: write the plaintext to another file; the sealed file is the one to keep");
    expectErrorLine(run(["recover", "sealed.yaml", "-i", "identity.txt", "-w", "linked.yaml"]), "-w linked.yaml is the sealed file being recovered: write the plaintext to another file; the sealed file is the one to keep");
    expect(dir.read("sealed.yaml")).toBe(sealed);
  });

  it("refuses a path Git would track unless --force-plaintext-in-git; an ignored path is fine", { timeout: 180_000 }, () => {
    const repo = workdir();
    try {
      execFileSync("git", ["init", "-q", repo.dir]);
      repo.write(".gitignore", "recovered/\n");
      repo.write("sealed.yaml", dir.read("sealed.yaml"));
      const recover = (...args: string[]): Run => kubectlSeal(["recover", "sealed.yaml", "-i", dir.path("identity.txt"), ...args], { cwd: repo.dir });
      expectErrorLine(recover("-w", "plain.yaml"), `-w plain.yaml is inside the Git work tree ${repo.dir} and not ignored, so plaintext Secrets could be committed: write it outside the work tree or to a .gitignore'd path, or pass --force-plaintext-in-git`);
      expect(fs.existsSync(repo.path("plain.yaml"))).toBe(false);
      fs.mkdirSync(repo.path("recovered"));
      expect(recover("-w", "recovered/plain.yaml").status).toBe(0);
      expect(recover("-w", "plain.yaml", "--force-plaintext-in-git").status).toBe(0);
      expect(repo.read("plain.yaml")).toContain("kind: Secret");
      // A linked worktree (.git is a file) is a work tree too.
      const gitIn = (...args: string[]): void => void execFileSync("git", ["-C", repo.dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args]);
      gitIn("add", ".gitignore");
      gitIn("commit", "-qm", "ignore");
      gitIn("worktree", "add", "-q", repo.path("linked"));
      const linked = (...args: string[]): Run => kubectlSeal(["recover", repo.path("sealed.yaml"), "-i", dir.path("identity.txt"), ...args], { cwd: repo.path("linked") });
      expectErrorLine(linked("-w", "plain.yaml"), `-w plain.yaml is inside the Git work tree ${repo.path("linked")} and not ignored, so plaintext Secrets could be committed: write it outside the work tree or to a .gitignore'd path, or pass --force-plaintext-in-git`);
      fs.mkdirSync(repo.path("linked/recovered"));
      expect(linked("-w", "recovered/plain.yaml").status).toBe(0);
    } finally {
      repo.remove();
    }
  });
});

describe("identity files open to group or others", () => {
  const warning = (file: string, mode: string): string =>
    `kubectl-seal: warning: identity file ${file} is accessible by group or others (mode ${mode}), and it opens every value sealed to it: run chmod 600 ${file}\n`;

  it("recover warns (once per file, as ssh does) and still recovers; a 0600 file gets no warning", { timeout: 120_000 }, () => {
    dir.write("open.txt", dir.read("identity.txt"), 0o644);
    fs.chmodSync(dir.path("open.txt"), 0o644);
    const opened = run(["recover", "sealed.yaml", "-i", "open.txt", "-w", "out.yaml"]);
    expect(opened.status).toBe(0);
    expect(opened.stderr).toBe(warning("open.txt", "0644"));
    const quiet = run(["recover", "sealed.yaml", "-i", "identity.txt", "-w", "out2.yaml"]);
    expect([quiet.status, quiet.stderr]).toEqual([0, ""]);
  });

  it("keys restore warns before anything else is done", { timeout: 120_000 }, () => {
    dir.write("group.txt", dir.read("identity.txt"));
    fs.chmodSync(dir.path("group.txt"), 0o640);
    dir.write("backup.age", "not an age file\n");
    const restored = run(["keys", "restore", "backup.age", "-i", "group.txt"]);
    expect(restored.status).toBe(2);
    expect(restored.stderr).toBe(`${warning("group.txt", "0640")}kubectl-seal: error: backup.age is not an age file: pass the file written by \`kubectl seal keys backup\`\n`);
  });
});

describe("a pipe closed by its reader", () => {
  // 5,000 Secrets of 16 values, each sealed to 17 recipients: sealing them all takes minutes (1.4 million X25519
  // wraps); stopping after the first document takes the time to start and parse. The pipeline is killed after
  // 100 s, so a CLI that seals everything before noticing the closed pipe fails the test.
  it("stops sealing: `kubectl seal BIG | head -c 10` ends long before sealing everything would", { timeout: 150_000 }, async () => {
    const values = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, `v${i}`]));
    const docs = Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: `s${i}`, namespace: "shop" }, stringData: values }));
    dir.write("many.yaml", docs.join("\n---\n"));
    const recipients = await Promise.all(Array.from({ length: 16 }, async () => (await generateKey("x25519")).recipient));
    const result = spawnSync("bash", ["-c", `"$0" "$@" many.yaml | head -c 10; echo "seal exited \${PIPESTATUS[0]}" >&2`, BIN, "--keys", bundle, ...recipients.flatMap((r) => ["--recipient", r])], {
      cwd: dir.dir,
      encoding: "utf8",
      timeout: 100_000,
    });
    expect(result.stdout).toBe("apiVersion");
    expect(result.stderr).toBe("seal exited 0\n");
  });
});
