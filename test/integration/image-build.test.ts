// `npm run image` (scripts/build-image.sh): two builds of one commit give one image digest, and the archive carries
// the runtime configuration the script declares (test/unit/image-config.test.ts ties that to the Dockerfile).
// The second build reuses the downloaded parts (the cache), so this costs two staging + packing runs (~20 s each).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
import { repoRoot } from "./helpers/controller.js";

const run = promisify(execFile);
const script = join(repoRoot, "scripts/build-image.sh");
const dirs: string[] = [];

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function build(): Promise<{ reference: string; archive: string }> {
  const dir = await mkdtemp(join(tmpdir(), "kubectl-seal-image-test-"));
  dirs.push(dir);
  // A fresh TMPDIR: the builds share nothing but the download cache.
  const { stdout } = await run("bash", [script, "controller", "--out", join(dir, "controller.oci.tar")], {
    env: { ...process.env, TMPDIR: dir }, maxBuffer: 1 << 20,
  });
  const [reference = "", archive = ""] = stdout.trim().split("\n");
  return { reference, archive };
}

it("builds the controller image reproducibly, with the declared user, environment and entrypoint", async () => {
  const first = await build();
  const second = await build();
  expect(first.reference).toMatch(/^ghcr\.io\/kubectl-seal\/controller:[^@]+@sha256:[0-9a-f]{64}$/);
  expect(second.reference).toBe(first.reference);
  expect(second.archive).not.toBe(first.archive);

  const declared = JSON.parse((await run("bash", [script, "controller", "--print-config"])).stdout);
  const { stdout } = await run("skopeo", ["inspect", "--config", `oci-archive:${first.archive}`]);
  const { config } = JSON.parse(stdout);
  expect({ user: config.User, workdir: config.WorkingDir, env: config.Env, entrypoint: config.Entrypoint, port: Object.keys(config.ExposedPorts) })
    .toEqual({ user: declared.user, workdir: declared.workdir, env: declared.env, entrypoint: declared.entrypoint, port: [declared.port] });
}, 300_000);
