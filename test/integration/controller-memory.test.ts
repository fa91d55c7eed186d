// The controller's memory, small: the cold start of N SealedSecrets inside a memory cgroup scaled to N from the
// Deployment's numbers (its request for the idle controller, plus N ten-thousandths of what its limit adds for
// 10,000 objects), with the Deployment's environment (heap limits, malloc arenas). It must finish, with no OOM
// kill. The full-size case (N=10,000 and 20,000 in the 256 MiB limit itself) is row 7 of `npm run bench`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deploymentEnv, deploymentMemoryLimit } from "../../bench/cluster.js";
import { cluster } from "../control-plane/cluster.ts";
import { MemoryCgroup } from "./helpers/cgroup.js";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { sealMany, waitAllUnsealed } from "./helpers/faults.js";
import { assertNoneContain, createNamespace, kube, publishedBundle, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { ensureCrds } from "./keys-support.js";

const N = 100;
let k: Kube;
const values: string[] = [];
const procs: ControllerProcess[] = [];

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  await ensureCrds(k);
});

afterAll(async () => {
  await stopAllControllers();
  assertNoneContain(Object.fromEntries(procs.map((p) => [p.name, p.output()])), values);
});

describe("controller memory", () => {
  it(`completes a cold start of ${N} SealedSecrets in a memory cgroup scaled to N, with no OOM kill`, async () => {
    const controllerNs = uniqueName("seal-mem");
    const appNs = uniqueName("seal-mem-app");
    await createNamespace(k, controllerNs);
    await createNamespace(k, appNs);
    const opts = { kubeconfig: cluster().kubeconfig, namespace: controllerNs, watchNamespaces: [appNs], env: deploymentEnv() };
    const keys = await startController({ ...opts, name: "keys" });
    procs.push(keys);
    const expected = await sealMany(k, appNs, await publishedBundle(k, controllerNs), N, values);
    await keys.stop();

    const request = deploymentMemoryLimit("requests");
    const limit = Math.round(request + ((deploymentMemoryLimit("limits") - request) * N) / 10_000);
    const group = MemoryCgroup.create("kubectl-seal-test", limit);
    try {
      const proc = await startController({ ...opts, name: "in-cgroup", args: ["--log-level", "info"], launch: (c, a) => group.wrap(c, a) });
      procs.push(proc);
      await waitAllUnsealed(k, appNs, expected);
      expect(proc.exitCode).toBeUndefined();
      const stats = group.stats();
      expect(stats.oomKills).toBe(0);
      expect(stats.peakBytes).toBeGreaterThan(0); // the controller's memory was counted here
      expect(stats.peakBytes).toBeLessThanOrEqual(limit);
      await proc.stop();
    } finally {
      await stopAllControllers();
      await group.removeWhenEmpty();
    }
  });
});
