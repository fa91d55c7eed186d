// krew, built from its Go module (test/tools/krew), with the release's own archive and manifest generators
// (scripts/dist/): krew's manifest validator accepts plugins/seal.yaml (installing each platform from the URL the
// manifest names, here served on 127.0.0.1), `kubectl krew install --manifest ... --archive ...` installs the
// plugin into a private KREW_ROOT, and `kubectl seal` then runs through kubectl. An archive whose SHA-256 differs
// from the manifest's is refused.
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeArchive, type Archive } from "../../scripts/dist/archive.ts";
import { krewManifest } from "../../scripts/dist/krew.ts";
import { hostTarget } from "../../scripts/dist/targets.ts";
import { cluster } from "../control-plane/cluster.ts";
import { repoRoot } from "./helpers/controller.js";
import { singleExecutable } from "./helpers/single-executable.js";

const version = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version: string }).version;
let dir: string;
let server: Server;
let baseUrl: string;
let archive: Archive;
let krew: { krew: string; validator: string };
/** Holds `kubectl-krew`, so kubectl finds krew as a plugin. */
let krewPluginDir: string;

/**
 * Runs `command` with only PATH (kubectl's folder + `path`) and HOME set; its status and output. Asynchronously:
 * the archive's URL is served by this process.
 */
function run(command: string, args: string[], path: string[], env: Record<string, string> = {}): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { PATH: [...path, cluster().binDir].join(":"), HOME: join(dir, "home"), ...env } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, output }));
  });
}

function writeManifest(folder: string, sha256 = archive.sha256): string {
  mkdirSync(folder, { recursive: true });
  const file = join(folder, "seal.yaml"); // krew's validator wants the file named after the plugin
  writeFileSync(file, krewManifest({ version, baseUrl, homepage: "https://example.invalid/kubectl-seal", archives: [{ ...archive, sha256 }] }));
  return file;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "kubectl-seal-krew-"));
  mkdirSync(join(dir, "home"));
  const [krewBinary, validator] = execFileSync("bash", [join(repoRoot, "scripts/build-go-tool.sh"), "krew"], { encoding: "utf8" }).trim().split("\n");
  krew = { krew: krewBinary ?? "", validator: validator ?? "" };
  krewPluginDir = join(dir, "krew-plugin");
  mkdirSync(krewPluginDir);
  symlinkSync(krew.krew, join(krewPluginDir, "kubectl-krew"));
  const target = hostTarget();
  if (target === undefined) throw new Error(`no release target for ${process.platform}-${process.arch}`);
  archive = makeArchive(singleExecutable(), target, version, dir, repoRoot);
  // The manifest's download URL, served from this process on the loopback interface.
  server = createServer((request, response) => {
    if (request.url !== `/${basename(archive.file)}`) return void response.writeHead(404).end();
    response.writeHead(200, { "content-type": "application/gzip" });
    createReadStream(archive.file).pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe("krew", () => {
  it("validates plugins/seal.yaml with krew's own validator, installing the archive from its URL", async () => {
    const manifest = writeManifest(join(dir, "plugins"));
    const validated = await run(krew.validator, ["-manifest", manifest], [krewPluginDir]);
    expect(validated.output).toContain("all 1 spec.platforms installed fine");
    expect(validated.status).toBe(0);
  });

  it("installs the archive with kubectl krew into a private KREW_ROOT, and kubectl runs it as `kubectl seal`", async () => {
    const manifest = writeManifest(join(dir, "plugins"));
    const krewRoot = join(dir, "krew-root");
    const installed = await run("kubectl", ["krew", "install", `--manifest=${manifest}`, `--archive=${archive.file}`], [krewPluginDir], { KREW_ROOT: krewRoot });
    expect(installed.output).toContain("Installed plugin: seal");
    expect(installed.status).toBe(0);
    // No kubectl-seal anywhere but in krew's bin/ (and no Node on PATH).
    const help = await run("kubectl", ["seal", "--help"], [join(krewRoot, "bin")]);
    expect(help.output).toContain("Seal Secrets into SealedSecrets that are safe to commit to Git.");
    expect(help.status).toBe(0);
    expect((await run("kubectl", ["seal", "keys", "generate", "--out-identity", "krew-id.txt", "--out-bundle", "krew-bundle.yaml"], [join(krewRoot, "bin")])).status).toBe(0);
    expect(readFileSync(join(dir, "krew-bundle.yaml"), "utf8")).toContain("kind: KeyBundle");
  });

  it("refuses an archive whose SHA-256 is not the manifest's", async () => {
    const manifest = writeManifest(join(dir, "tampered"), "0".repeat(64));
    const refused = await run("kubectl", ["krew", "install", `--manifest=${manifest}`, `--archive=${archive.file}`], [krewPluginDir], { KREW_ROOT: join(dir, "krew-root-tampered") });
    expect(refused.status).not.toBe(0);
    expect(refused.output).toMatch(/checksum/i);
  });
});
