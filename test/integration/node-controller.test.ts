// The controller as users deploy it: its image (scripts/build-image.sh) run by a real kubelet and containerd on the
// run's node, installed with `kubectl apply -k` (manifests/ + test/node-overlay), and an application Pod that reads
// the unsealed value. Proves the Deployment's security settings hold inside the container, that a value travels
// SealedSecret -> Secret -> Pod (env and file, also after rotation and re-sealing), that a standby replica takes
// over the Lease, and that no value reaches a log or an Event.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { get } from "node:https";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cluster } from "../control-plane/cluster.ts";
import type { NodeInfo } from "../control-plane/cluster.ts";
import { assertNoneContain, createNamespace, createSealed, getSecret, kube, publishedBundle, sealSecret, uniqueName, updateSealedSpec } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import {
  addStandbyDeployment, CONTROLLER_NS, DEPLOYMENT, installControllerOnNode, kubectl, kubectlOutput, readyControllerPods, sha256, startAppPod,
} from "./helpers/node-pods.js";
import { createSealRequest, currentKeyIds, keySecrets, keysOfType, waitForPhase, waitForUnsealedWith } from "./keys-support.js";
import { waitFor } from "./helpers/wait.js";

let k: Kube;
let node: NodeInfo;
let standby: string | undefined;
const appNs = uniqueName("seal-node-app");
const values: string[] = [];
const secretValue = () => {
  const value = `node-value-${randomBytes(12).toString("hex")}`;
  values.push(value);
  return value;
};

beforeAll(async () => {
  k = kube(cluster().kubeconfig);
  node = await installControllerOnNode();
  await createNamespace(k, appNs);
}, 900_000);

afterAll(async () => {
  // Later test files run their own controllers: none of ours may keep reconciling, and the namespace is restricted again.
  for (const name of [DEPLOYMENT, standby].filter((n) => n !== undefined)) {
    await kubectl(["delete", "deployment", name, "-n", CONTROLLER_NS, "--wait=true", "--timeout=120s"]).catch(() => undefined);
  }
  await kubectl(["wait", "--for=delete", "pod", "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-n", CONTROLLER_NS, "--timeout=120s"]).catch(() => undefined);
  await kubectl(["delete", "namespace", appNs, "--wait=false"]).catch(() => undefined);
  await kubectl(["label", "namespace", CONTROLLER_NS, "--overwrite", "pod-security.kubernetes.io/enforce=restricted"]).catch(() => undefined);
}, 300_000);

async function controllerLogs(): Promise<string> {
  const pods = (await kubectl(["get", "pods", "-n", CONTROLLER_NS, "-l", `app.kubernetes.io/name=${DEPLOYMENT}`, "-o", "name"])).split("\n").filter(Boolean);
  const logs = await Promise.all(pods.map((pod) => kubectl(["logs", "-n", CONTROLLER_NS, pod]).catch(() => "")));
  return logs.join("\n");
}

async function appLog(pod: string): Promise<string> {
  return kubectl(["logs", "-n", appNs, pod]);
}

async function sealInto(name: string, value: string) {
  const bundle = await publishedBundle(k, CONTROLLER_NS);
  return sealSecret({ name, namespace: appNs, data: { token: value } }, keysOfType(bundle));
}

describe("the controller as a Pod on a real node", () => {
  it("becomes Ready through its probes and runs as uid 1000, read-only, without capabilities, under its memory limit", async () => {
    const [pod] = await readyControllerPods();
    expect(pod).toBeDefined();
    const spec = JSON.parse(await kubectl(["get", "pod", pod!, "-n", CONTROLLER_NS, "-o", "json"]));
    expect(spec.spec.nodeName).toBe(node.name);
    expect(spec.spec.containers[0].image).toBe(node.images.controller);
    expect(spec.spec.containers[0].readinessProbe.httpGet.path).toBe("/readyz");
    // Inside the container: the image's Node reports what the kernel enforces.
    const probe = `const fs = require("node:fs");
let write = "allowed"; try { fs.writeFileSync("/app/probe", "x"); } catch (e) { write = e.code; }
const status = fs.readFileSync("/proc/self/status", "utf8");
const limit = fs.readFileSync("/sys/fs/cgroup/memory/memory.limit_in_bytes", "utf8").trim();
console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), write, capEff: /CapEff:\\s*(\\S+)/.exec(status)[1],
  noNewPrivs: /NoNewPrivs:\\s*(\\S+)/.exec(status)[1], limit }));`;
    const inside = JSON.parse(await kubectl(["exec", "-n", CONTROLLER_NS, pod!, "-c", "controller", "--", "node", "-e", probe]));
    expect(inside).toEqual({ uid: 1000, gid: 1000, write: "EROFS", capEff: "0000000000000000", noNewPrivs: "1", limit: String(256 * 1024 * 1024) });
  });

  it("the kubelet's API answers only callers the API server authenticates and authorizes (webhook), not anonymous ones", async () => {
    const port = JSON.parse(await kubectl(["get", "node", node.name, "-o", "json"])).status.daemonEndpoints.kubeletEndpoint.Port as number;
    const status = (token?: string) => new Promise<number>((resolve, reject) => {
      const request = get({ host: "127.0.0.1", port, path: "/pods", ca: readFileSync(cluster().caFile), servername: "localhost",
        headers: token ? { authorization: `Bearer ${token}` } : {} }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on("error", reject);
    });
    expect(await status()).toBe(401); // anonymous: refused
    expect(await status(cluster().tokens.alice)).toBe(403); // authenticated by TokenReview, no right on nodes/proxy
    expect(await status(cluster().tokens.admin)).toBe(200); // system:masters
  });

  it("unseals a SealedSecret into a Secret that an application Pod reads as an environment variable and as a file", async () => {
    const value = secretValue();
    await createSealed(k, await sealInto("app-token", value));
    await waitFor(() => getSecret(k, appNs, "app-token"), { what: "Secret app-token", timeoutMs: 120_000 });
    await startAppPod(appNs, "app", "app-token", "token", node);
    await waitFor(async () => {
      const log = await appLog("app");
      return log.includes(`env ${sha256(value)}`) && log.includes(`file ${sha256(value)}`);
    }, { what: "the application Pod to print the sealed value's hash (env and file)", timeoutMs: 120_000 });
  });

  it("after a key rotation, a value re-sealed to the new key reaches the running Pod's mounted file", async () => {
    const before = currentKeyIds(await keySecrets(k, CONTROLLER_NS)).x25519;
    await createSealRequest(k, CONTROLLER_NS, uniqueName("rotate"), { action: "Rotate", reason: "node test" });
    const rotated = await waitFor(async () => {
      const id = currentKeyIds(await keySecrets(k, CONTROLLER_NS)).x25519;
      return id !== before ? id : undefined;
    }, { what: "a new current x25519 key", timeoutMs: 120_000 });
    await waitFor(async () => keysOfType(await publishedBundle(k, CONTROLLER_NS)).some((key) => key.id === rotated),
      { what: "the rotated key in the bundle", timeoutMs: 60_000 });
    const value = secretValue();
    const resealed = await sealInto("app-token", value);
    await updateSealedSpec(k, appNs, "app-token", resealed.spec);
    expect(await waitForUnsealedWith(k, appNs, "app-token")).toContain(rotated);
    await waitFor(async () => (await appLog("app")).includes(`file ${sha256(value)}`),
      { what: "the re-sealed value's hash from the mounted file", timeoutMs: 180_000 });
  });

  it("a standby replica takes the Lease when the leader's Pod goes; a SealedSecret applied meanwhile is unsealed; no key is added", async () => {
    standby = await addStandbyDeployment();
    const keysBefore = (await keySecrets(k, CONTROLLER_NS)).map((s) => s.metadata?.name).sort();
    const lease = async () => JSON.parse(await kubectl(["get", "lease", DEPLOYMENT, "-n", CONTROLLER_NS, "-o", "json"])).spec;
    const leader = await waitFor(async () => {
      const holder = (await lease()).holderIdentity as string | undefined;
      return holder && (await readyControllerPods()).includes(holder) ? holder : undefined;
    }, { what: "a Ready Pod holding the Lease", timeoutMs: 60_000 });
    const leaderLabels = JSON.parse(await kubectl(["get", "pod", leader, "-n", CONTROLLER_NS, "-o", "json"])).metadata.labels;
    const leaderDeployment = leaderLabels["seal.dev/test-replica"] === "b" ? standby : DEPLOYMENT;
    const survivor = (await readyControllerPods()).find((p) => p !== leader);
    expect(survivor).toBeDefined();

    // Scaling the leader's Deployment to 0 deletes its Pod and starts no replacement that could win the race.
    await kubectl(["scale", "deployment", leaderDeployment, "-n", CONTROLLER_NS, "--replicas=0"]);
    const value = secretValue();
    await createSealed(k, await sealInto("during-switch", value));
    const taken = await waitFor(async () => {
      const spec = await lease();
      return spec.holderIdentity === survivor ? spec : undefined;
    }, { what: `Pod ${survivor} to take the Lease`, timeoutMs: 120_000 });
    expect(taken.leaseDurationSeconds).toBe(15);
    await waitFor(() => getSecret(k, appNs, "during-switch"), { what: "Secret during-switch unsealed by the new leader", timeoutMs: 120_000 });
    expect((await keySecrets(k, CONTROLLER_NS)).map((s) => s.metadata?.name).sort()).toEqual(keysBefore);
  });

  it("no value appears in the controller's logs, its Events, the application's log or any kubectl output", async () => {
    const events = await kubectl(["get", "events", "-A", "-o", "json"]);
    const logs = await controllerLogs();
    expect(logs).toMatch(/"msg"/); // the structured log was read
    const app = await appLog("app");
    expect(app).toMatch(/^env [0-9a-f]{64}$/m);
    assertNoneContain({ "controller logs": logs, events, "application log": app, "kubectl output": kubectlOutput.join("\n") }, values);
  });
});
