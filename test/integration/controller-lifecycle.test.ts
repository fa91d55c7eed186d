// The controller process as an operator meets it: flags and SEAL_* environment variables, bad flags refused with
// one line, and a leader that loses its lease stepping down and campaigning again without a restart.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CoordinationV1Api, V1MicroTime } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import { controllerMain, repoRoot, startController, stopAllControllers } from "./helpers/controller.js";
import { createNamespace, createSealed, decodedData, ensureCrd, getSecret, kube, publishedBundle, sealSecret, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";

let k: Kube;

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrd(k, readFileSync(join(repoRoot, "manifests/crd.yaml"), "utf8"));
});

afterAll(async () => {
  await stopAllControllers();
});

function runController(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, SEAL_KUBECONFIG: "/nonexistent" };
  return spawnSync(process.execPath, [controllerMain, ...args], { encoding: "utf8", env, timeout: 20_000 });
}

describe("controller flags", () => {
  it.each([
    [["--key-rotation-period", "5x"], '--key-rotation-period: "5x" is not a duration: use forms like 30d, 720h, 1h30m, 90s or 500ms'],
    [["--log-level", "loud"], '--log-level: "loud" is not a level: use one of debug, info, warn, error'],
    [["--leader-elect", "maybe"], '--leader-elect: "maybe" is not a boolean: use true or false'],
    [["--workers", "0"], "--workers: must be a whole number of at least 1"],
    [["--bogus"], "Unknown option '--bogus'"],
  ])("refuses %j with one line and exit code 2", (args, message) => {
    const result = runController(args);
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toContain(`kubectl-seal-controller: error: ${message}`);
    expect(result.stderr).toContain("Usage: kubectl-seal-controller");
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stdout).toBe("");
  });

  it("reads a bad flag value from its SEAL_ environment variable too", () => {
    const result = spawnSync(process.execPath, [controllerMain], { encoding: "utf8", env: { ...process.env, SEAL_LEASE_DURATION: "soon" } });
    expect(result.status).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(
      'kubectl-seal-controller: error: --lease-duration: "soon" is not a duration: use forms like 30d, 720h, 1h30m, 90s or 500ms',
    );
  });
});

describe("controller leadership", () => {
  it("steps down when another holder takes its lease, campaigns again, and reconciles in its new term", async () => {
    const controllerNs = uniqueName("seal-lease");
    const ns = uniqueName("seal-lease-app");
    await createNamespace(k, controllerNs);
    await createNamespace(k, ns);
    // Flags through the environment: the watched namespace and a short lease.
    const controller = await startController({
      kubeconfig: cluster().kubeconfig,
      namespace: controllerNs,
      env: { SEAL_WATCH_NAMESPACE: ns, SEAL_LEASE_DURATION: "3s" },
    });
    await controller.waitForLog((l) => l.msg === "caches synced, reconciling", "first term reconciling");
    const keys = (await publishedBundle(k, controllerNs)).keys;

    const leases = k.kc.makeApiClient(CoordinationV1Api);
    // Read and replace until no renewal of the controller comes in between (409 Conflict otherwise).
    await waitFor(
      async () => {
        const lease = await leases.readNamespacedLease({ namespace: controllerNs, name: "kubectl-seal-controller" });
        expect(lease.spec?.leaseDurationSeconds).toBe(3);
        return leases.replaceNamespacedLease({
          namespace: controllerNs,
          name: "kubectl-seal-controller",
          body: { ...lease, spec: { ...lease.spec, holderIdentity: "thief", renewTime: new V1MicroTime() } },
        });
      },
      { what: "the lease to be taken", timeoutMs: 20_000, intervalMs: 50 },
    );
    await controller.waitForLog((l) => l.msg === "lost leadership", "lost leadership");
    await waitFor(() => controller.lines().filter((l) => l.msg === "became leader").length === 2, { what: "second term", timeoutMs: 30_000 });
    expect(controller.exitCode).toBeUndefined();

    const data = { token: `v-${Date.now()}` };
    await createSealed(k, await sealSecret({ name: "after-steal", namespace: ns, data }, keys));
    const secret = await waitFor(async () => await getSecret(k, ns, "after-steal"), { what: "Secret unsealed in the second term" });
    expect(decodedData(secret)).toEqual(data);
    expect(controller.output()).not.toContain(data.token);
  });
});
