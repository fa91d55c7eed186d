// FencedKubeConfig against a fake API server: with the fence down, reads still go out and every write is refused
// before it leaves the process (NotLeaderError, recognised through a cause chain); with the fence up, all go out.
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import { FencedKubeConfig, NotLeaderError, isNotLeader } from "../../controller/fenced-kubeconfig.js";
import { fakeApi } from "./fake-kube.js";
import type { FakeApi } from "./fake-kube.js";

let fake: FakeApi | undefined;
afterEach(() => fake?.close());

async function fenced(): Promise<{ kc: FencedKubeConfig; calls: string[] }> {
  const calls: string[] = [];
  fake = await fakeApi((req, res) => {
    calls.push(`${req.method} ${(req.url ?? "").split("?")[0]}`);
    req.resume();
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ kind: "Secret", apiVersion: "v1", metadata: { name: "s" } }));
  });
  const kc = new FencedKubeConfig();
  kc.loadFromString(fake.kc.exportConfig());
  return { kc, calls };
}

describe("FencedKubeConfig", () => {
  it("refuses writes while the fence is down and lets reads through", async () => {
    const { kc, calls } = await fenced();
    let leading = false;
    kc.fence = () => leading;
    const core = kc.makeApiClient(CoreV1Api);
    await core.readNamespacedSecret({ namespace: "a", name: "s" });
    const write = core.createNamespacedSecret({ namespace: "a", body: { metadata: { name: "s" } } });
    await expect(write).rejects.toBeInstanceOf(NotLeaderError);
    await expect(core.deleteNamespacedSecret({ namespace: "a", name: "s" })).rejects.toThrow(/no longer holds the leader Lease/);
    expect(calls).toEqual(["GET /api/v1/namespaces/a/secrets/s"]);
    leading = true;
    await core.createNamespacedSecret({ namespace: "a", body: { metadata: { name: "s" } } });
    expect(calls).toEqual(["GET /api/v1/namespaces/a/secrets/s", "POST /api/v1/namespaces/a/secrets"]);
  });

  it("recognises the refusal inside a wrapping error", () => {
    expect(isNotLeader(new Error("could not write Secret a/s", { cause: new NotLeaderError("PUT") }))).toBe(true);
    expect(isNotLeader(new Error("HTTP 500"))).toBe(false);
  });
});
