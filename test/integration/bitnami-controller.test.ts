// The real Bitnami Sealed Secrets controller (test/control-plane/bitnami.ts) on the local control plane: a Secret
// sealed by the real `kubeseal --cert` comes back with the same data, no value reaches its log or the sealed file,
// and stop() leaves no process and no state folder behind. The benchmark's own sealing in Bitnami's format
// (bench/bitnami.ts) is opened by the real controller too.
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { sealBitnami } from "../../bench/bitnami.js";
import { startBitnami } from "../control-plane/bitnami.ts";
import { cluster, waitFor } from "../control-plane/cluster.ts";
import { uniqueName } from "./helpers/kube.js";

const run = promisify(execFile);

function withInput(command: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, KUBECONFIG: "/dev/null" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${command} exited ${code}: ${stderr}`))));
    child.stdin.end(input);
  });
}

/** A digest of a Secret's data, so the test compares values without printing them. */
const sha256 = (data: Record<string, string> = {}) =>
  createHash("sha256").update(JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]]))).digest("hex");

/** PIDs of live processes whose command line mentions `path`. */
function processesMentioning(path: string): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path);
    } catch {
      return false; // exited meanwhile
    }
  });
}

describe("the real Bitnami controller", () => {
  it("unseals what the real kubeseal --cert sealed; stop() leaves nothing running", { timeout: 900_000 }, async () => {
    const { kubectl, kubeconfig, dir } = cluster();
    const kube = (...args: string[]) => run(kubectl, ["--kubeconfig", kubeconfig, ...args]);
    const app = uniqueName("bitnami-app");
    const password = randomBytes(24).toString("base64url");
    const data = { password: Buffer.from(password).toString("base64"), user: Buffer.from("app").toString("base64") };
    await kube("create", "namespace", app);

    const controller = await startBitnami({ kubectl, kubeconfig, dir, namespace: uniqueName("bitnami") });
    const state = dirname(controller.certFile);
    let log = "";
    try {
      const secret = { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: app }, type: "Opaque", data };
      const sealed = await withInput(controller.kubeseal, ["--cert", controller.certFile, "--format", "yaml"], JSON.stringify(secret));
      expect(sealed).toContain("apiVersion: bitnami.com/v1alpha1");
      expect(sealed).not.toContain(password);
      expect(sealed).not.toContain(data.password);
      await withInput(kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], sealed);
      const benchSealed = sealBitnami(readFileSync(controller.certFile, "utf8"), app, "bench", { password, user: "app" });
      expect(JSON.stringify(benchSealed)).not.toContain(password);
      await withInput(kubectl, ["--kubeconfig", kubeconfig, "apply", "-f", "-"], JSON.stringify(benchSealed));

      for (const name of ["db", "bench"]) {
        const unsealed = await waitFor(`Secret ${name} unsealed by Bitnami's controller`, async () => {
          const { stdout } = await kube("get", "secret", name, "-n", app, "-o", "json").catch(() => ({ stdout: "" }));
          return stdout === "" ? undefined : (JSON.parse(stdout) as { data?: Record<string, string>; metadata: { ownerReferences?: { kind: string }[] } });
        }, 120_000);
        expect(sha256(unsealed.data), name).toBe(sha256(data));
        expect(unsealed.metadata.ownerReferences?.map((o) => o.kind)).toEqual(["SealedSecret"]);
      }
      log = await controller.log();
    } finally {
      await controller.stop();
      await kube("delete", "namespace", app, "--wait=false");
    }
    expect(log).toContain("Updating");
    expect(log).not.toContain(password);
    expect(log).not.toContain(data.password);
    expect(() => process.kill(controller.pid, 0)).toThrow(); // ESRCH: gone
    expect(processesMentioning(state)).toEqual([]);
    await waitFor("the reaper to remove the controller's state folder", async () => !existsSync(state));
  });
});
