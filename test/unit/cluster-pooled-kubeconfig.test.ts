// PooledKubeConfig hands every API request of one cluster+user the same connection pool; client-node's own
// KubeConfig builds a new one (new TLS connection) per request, which is what it works around.
import { HttpMethod, KubeConfig, RequestContext } from "@kubernetes/client-node";
import { describe, expect, test } from "vitest";
import { PooledKubeConfig } from "../../src/cluster/pooled-kubeconfig.js";

// Any PEM-shaped CA will do: the agent only reads it when it connects, and nothing connects here.
const CA = Buffer.from("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").toString("base64");

function load<T extends KubeConfig>(kc: T): T {
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://127.0.0.1:6443", caData: CA, skipTLSVerify: false }],
    users: [{ name: "alice", token: "t-alice" }, { name: "bob", token: "t-bob" }],
    contexts: [{ name: "a", cluster: "c", user: "alice" }, { name: "b", cluster: "c", user: "bob" }],
    currentContext: "a",
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext("https://127.0.0.1:6443/api/v1/namespaces", HttpMethod.GET);
  await kc.applySecurityAuthentication(context);
  const dispatcher = context.getDispatcher();
  expect(dispatcher).toBeDefined();
  return dispatcher;
}

describe("PooledKubeConfig", () => {
  test("gives every request of the same cluster and user the same dispatcher", async () => {
    const kc = load(new PooledKubeConfig());
    const first = await dispatcherOf(kc);
    expect(await dispatcherOf(kc)).toBe(first);
    expect(await dispatcherOf(kc)).toBe(first);
  });

  test("keeps a separate dispatcher per user", async () => {
    const kc = load(new PooledKubeConfig());
    const alice = await dispatcherOf(kc);
    kc.setCurrentContext("b");
    const bob = await dispatcherOf(kc);
    expect(bob).not.toBe(alice);
    expect(await dispatcherOf(kc)).toBe(bob);
  });

  test("still sets the headers of the plain KubeConfig (the bearer token)", async () => {
    const context = new RequestContext("https://127.0.0.1:6443/api", HttpMethod.GET);
    await load(new PooledKubeConfig()).applySecurityAuthentication(context);
    expect(context.getHeaders()["Authorization"]).toBe("Bearer t-alice");
  });

  test("the plain KubeConfig builds a new dispatcher per request (the reason for this class)", async () => {
    const kc = load(new KubeConfig());
    expect(await dispatcherOf(kc)).not.toBe(await dispatcherOf(kc));
  });
});
