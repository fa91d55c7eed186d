// Shared by the requests-* tests: asking the controller to Verify or Reencrypt files, altering sealed objects the
// ways an attacker or a careless copy would, reading the controller's private keys to check answers, and
// collecting the test values so every test can prove none of them leaked.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, expect } from "vitest";
import { decodeBase64, encodeBase64, mergeSealed, privateKeyOf } from "../../src/index.js";
import type { PrivateKey, SealedSecret } from "../../src/index.js";
import type { SealRequestResult, SealRequestSpec, SealRequestStatus } from "../../src/sealrequest.js";
import { cluster } from "../control-plane/cluster.ts";
import { startController, stopAllControllers } from "./helpers/controller.js";
import type { ControllerProcess } from "./helpers/controller.js";
import { assertNoneContain, createNamespace, kube, uniqueName } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { createSealRequest, ensureCrds, keySecrets, waitForPhase } from "./keys-support.js";

/** Creates the request and waits for its answer. */
export async function ask(k: Kube, namespace: string, name: string, spec: SealRequestSpec): Promise<SealRequestStatus> {
  await createSealRequest(k, namespace, name, spec);
  return waitForPhase(k, namespace, name);
}

/** The result for objects[index], or a failure naming what is missing. */
export function resultAt(status: SealRequestStatus, index: number): SealRequestResult {
  const result = status.results?.find((r) => r.index === index);
  if (result === undefined) throw new Error(`no result for object ${index} in ${JSON.stringify(status.message)}`);
  return result;
}

/** Every private key stored by the controller (active or retired), from its key Secrets. */
export async function controllerKeys(k: Kube, controllerNamespace: string): Promise<PrivateKey[]> {
  const secrets = await keySecrets(k, controllerNamespace);
  return Promise.all(
    secrets.map((s) => privateKeyOf(Buffer.from(s.data?.identity ?? "", "base64").toString("utf8"), "1970-01-01T00:00:00Z")),
  );
}

/** The object with one byte of a value's ciphertext flipped (the payload's authentication tag). */
export function tampered(sealed: SealedSecret, dataKey: string): SealedSecret {
  const copy = structuredClone(sealed);
  const bytes = decodeBase64(copy.spec.encryptedData[dataKey] ?? "");
  if (bytes === undefined || bytes.length === 0) throw new Error(`no value ${dataKey} to tamper with`);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
  copy.spec.encryptedData[dataKey] = encodeBase64(bytes);
  return copy;
}

/** The object's values copied into an object of another name (what a strict binding refuses). */
export function renamed(sealed: SealedSecret, name: string): SealedSecret {
  const copy = structuredClone(sealed);
  copy.metadata.name = name;
  return copy;
}

/** The file after the CLI merged a Reencrypt answer into it. */
export function withAnswer(sealed: SealedSecret, result: SealRequestResult): SealedSecret {
  const update: SealedSecret = { ...sealed, spec: { scope: sealed.spec.scope, encryptedData: result.encryptedData ?? {} } };
  if (result.sealedTo !== undefined) update.spec.sealedTo = result.sealedTo;
  return mergeSealed(sealed, update);
}

/** Test values, remembered so the end of a test file can grep every captured output for them. */
export class TestValues {
  readonly all: string[] = [];

  next(): string {
    const value = `v-${randomBytes(12).toString("hex")}`;
    this.all.push(value);
    return value;
  }
}

export interface RequestsFixture {
  /** Admin clients; set in beforeAll. */
  k: Kube;
  /** The controller; set in beforeAll. */
  proc: ControllerProcess;
  controllerNs: string;
  /** Two namespaces the controller watches. */
  appNs: string;
  otherNs: string;
  values: TestValues;
  /** Request statuses a test read: greped for the values at the end. */
  answers: string[];
}

/**
 * Registers the file's beforeAll (CRDs, namespaces, a controller watching appNs and otherNs) and afterAll (stop it,
 * then prove no test value reached its output, a recorded answer or an Event, and no private key its output).
 */
export function requestsFixture(prefix: string): RequestsFixture {
  const f = {
    controllerNs: uniqueName(prefix),
    appNs: uniqueName(`${prefix}-app`),
    otherNs: uniqueName(`${prefix}-other`),
    values: new TestValues(),
    answers: [] as string[],
  } as RequestsFixture;
  beforeAll(async () => {
    f.k = kube(cluster().kubeconfig);
    await ensureCrds(f.k);
    for (const ns of [f.controllerNs, f.appNs, f.otherNs]) await createNamespace(f.k, ns);
    f.proc = await startController({
      kubeconfig: cluster().kubeconfig,
      namespace: f.controllerNs,
      watchNamespaces: [f.appNs, f.otherNs],
      args: ["--leader-elect", "false"],
    });
  });
  afterAll(async () => {
    await stopAllControllers();
    const events = await Promise.all([f.appNs, f.otherNs].map((namespace) => f.k.events.listNamespacedEvent({ namespace })));
    const texts = { "controller output": f.proc.output(), "request statuses": f.answers.join("\n"), Events: JSON.stringify(events.map((e) => e.items)) };
    assertNoneContain(texts, f.values.all);
    expect(f.proc.output()).not.toMatch(/AGE-SECRET-KEY/);
  });
  return f;
}
