// Kubernetes helpers shared by the controller tests: clients, namespaces, sealing with the keys a controller
// published, and reading back Secrets, SealedSecrets and Events.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, EventsV1Api, KubeConfig } from "@kubernetes/client-node";
import type { EventsV1Event, V1Secret } from "@kubernetes/client-node";
import { parse } from "yaml";
import { seal, verifyBundle } from "../../../src/index.js";
import type { KeyBundle, KeyType, PublicKey, Scope, SealedSecret } from "../../../src/index.js";
import { cluster } from "../../control-plane/cluster.ts";
import { waitFor } from "./wait.js";

export interface Kube {
  kc: KubeConfig;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  events: EventsV1Api;
}

export function kube(kubeconfig: string): Kube {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  return { kc, core: kc.makeApiClient(CoreV1Api), custom: kc.makeApiClient(CustomObjectsApi), events: kc.makeApiClient(EventsV1Api) };
}

/** A fresh name with a readable prefix, valid as a namespace or object name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString("hex")}`;
}

export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/** Resolves to undefined on 404. */
export async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    if (statusCode(err) === 404) return undefined;
    throw err;
  }
}

export async function createNamespace(k: Kube, name: string): Promise<void> {
  await k.core.createNamespace({ body: { metadata: { name } } });
}

/**
 * Applies a CRD manifest with kubectl (client-node's typed CRD model would drop schema fields such as `enum` and
 * `x-kubernetes-validations` from a plain object) and waits until the API server serves it.
 */
export async function ensureCrd(k: Kube, crdYaml: string): Promise<void> {
  const crd = parse(crdYaml) as { metadata: { name: string } };
  const { kubectl, kubeconfig, dir } = cluster();
  const file = join(dir, `${crd.metadata.name}.${randomBytes(4).toString("hex")}.yaml`);
  writeFileSync(file, crdYaml);
  try {
    execFileSync(kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--force-conflicts", "-f", file], { stdio: "pipe" });
  } finally {
    rmSync(file, { force: true });
  }
  const api = k.kc.makeApiClient(ApiextensionsV1Api);
  await waitFor(
    async () => {
      const c = await api.readCustomResourceDefinition({ name: crd.metadata.name });
      return c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
    },
    { what: `CRD ${crd.metadata.name} established` },
  );
}

/** The key bundle a controller published (ConfigMap kubectl-seal-keys, key bundle.yaml), verified. */
export async function publishedBundle(k: Kube, controllerNamespace: string, timeoutMs = 60_000): Promise<KeyBundle> {
  return waitFor(
    async () => {
      const cm = await orUndefined(k.core.readNamespacedConfigMap({ name: "kubectl-seal-keys", namespace: controllerNamespace }));
      const text = cm?.data?.["bundle.yaml"];
      return text === undefined ? undefined : verifyBundle(parse(text));
    },
    { what: `key bundle in ${controllerNamespace}`, timeoutMs },
  );
}

export interface TestSecret {
  name: string;
  namespace: string;
  data: Record<string, string>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  type?: string;
}

/**
 * Seals a Secret (values as UTF-8 text) with the core library, as `kubectl seal` does, to the bundle's keys of one
 * type (age refuses to mix post-quantum and classic recipients).
 */
export async function sealSecret(
  s: TestSecret,
  keys: readonly PublicKey[],
  opts: { scope?: Scope; type?: KeyType } = {},
): Promise<SealedSecret> {
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(s.data)) data[k] = new TextEncoder().encode(v);
  const ofType = keys.filter((key) => key.type === (opts.type ?? "x25519"));
  return seal({ name: s.name, namespace: s.namespace, labels: s.labels, annotations: s.annotations, type: s.type, data }, ofType, {
    scope: opts.scope ?? "strict",
  });
}

const SS = { group: "seal.dev", version: "v1alpha1", plural: "sealedsecrets" };

export async function createSealed(k: Kube, sealed: SealedSecret): Promise<SealedSecret> {
  return (await k.custom.createNamespacedCustomObject({ ...SS, namespace: sealed.metadata.namespace ?? "", body: sealed })) as SealedSecret;
}

export async function getSealed(k: Kube, namespace: string, name: string): Promise<SealedSecret | undefined> {
  return (await orUndefined(k.custom.getNamespacedCustomObject({ ...SS, namespace, name }))) as SealedSecret | undefined;
}

/** Replaces the spec of an existing SealedSecret (retrying resourceVersion conflicts). */
export async function updateSealedSpec(k: Kube, namespace: string, name: string, spec: SealedSecret["spec"]): Promise<void> {
  await waitFor(
    async () => {
      const current = await getSealed(k, namespace, name);
      if (!current) throw new Error(`SealedSecret ${namespace}/${name} is gone`);
      await k.custom.replaceNamespacedCustomObject({ ...SS, namespace, name, body: { ...current, spec } });
      return true;
    },
    { what: `update of SealedSecret ${namespace}/${name}`, timeoutMs: 20_000 },
  );
}

export async function deleteSealed(k: Kube, namespace: string, name: string): Promise<void> {
  await k.custom.deleteNamespacedCustomObject({ ...SS, namespace, name, propagationPolicy: "Background" });
}

export function getSecret(k: Kube, namespace: string, name: string): Promise<V1Secret | undefined> {
  return orUndefined(k.core.readNamespacedSecret({ namespace, name }));
}

/** The UTF-8 text of every data value of a Secret. */
export function decodedData(secret: V1Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, b64]) => [key, Buffer.from(b64, "base64").toString("utf8")]));
}

/** events.k8s.io/v1 Events in `namespace` about the object named `name`. */
export async function eventsAbout(k: Kube, namespace: string, name: string): Promise<EventsV1Event[]> {
  const list = await k.events.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.regarding?.name === name);
}

/** Waits for an Event with `reason` about `namespace/name` and returns it. */
export function waitForEvent(k: Kube, namespace: string, name: string, reason: string, timeoutMs = 60_000): Promise<EventsV1Event> {
  return waitFor(async () => (await eventsAbout(k, namespace, name)).find((e) => e.reason === reason), {
    what: `Event ${reason} about ${namespace}/${name}`,
    timeoutMs,
  });
}

/** Throws naming the first of `values` found in any of `texts` (the values themselves are not printed). */
export function assertNoneContain(texts: Record<string, string>, values: string[]): void {
  for (const [where, text] of Object.entries(texts)) {
    values.forEach((value, i) => {
      if (text.includes(value)) throw new Error(`secret value #${i} appears in ${where}`);
      const b64 = Buffer.from(value).toString("base64");
      if (text.includes(b64)) throw new Error(`base64 of secret value #${i} appears in ${where}`);
    });
  }
}
