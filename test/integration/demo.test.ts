// The README's main job (`npm run demo`) must keep working: run scripts/demo.ts as a user would (it starts its own
// control plane) and check that it told the whole story without printing the demo's password.
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { join } from "node:path";
import { expect, test } from "vitest";
import { repoRoot } from "./helpers/controller.js";

test("npm run demo seals, unseals, rotates, re-encrypts, audits and ends with an application Pod reading the value", { timeout: 480_000 }, () => {
  const password = `demo-${randomBytes(12).toString("hex")}`;
  const demo = spawnSync(process.execPath, [join(repoRoot, "scripts/demo.ts")], {
    cwd: repoRoot,
    encoding: "utf8",
    timeout: 470_000, // the demo starts its own control plane and a node (image build, containerd, kubelet)
    env: { ...process.env, DEMO_PASSWORD: password },
  });
  const output = demo.stdout + demo.stderr;
  expect(demo.status, output.slice(-2000)).toBe(0);
  expect(demo.stdout).toMatch(/^app$/m); // the unsealed username, read back from the Secret the controller made
  expect(demo.stdout).toMatch(/re-sealed +password, username/);
  expect(demo.stdout).toMatch(/oops\.yaml +0 +Secret +oops/);
  for (const what of ["KeyGenerated", "Unsealed", "KeyRotated", "Reencrypted", "Verified"]) {
    expect(demo.stdout).toContain(`"what":"${what}"`);
  }
  // The application Pod printed the sha256 of the sealed password, read from its environment and its mounted file.
  const hash = createHash("sha256").update(password).digest("hex");
  expect(demo.stdout).toMatch(new RegExp(`^env ${hash}$`, "m"));
  expect(demo.stdout).toMatch(new RegExp(`^file ${hash}$`, "m"));
  expect(output).not.toContain(password);
  expect(output).not.toContain(Buffer.from(password).toString("base64"));
});
