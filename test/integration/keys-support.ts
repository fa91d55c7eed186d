// Shared by the keys-*, leader-* and in-cluster tests: reading the controller's key Secrets and SealRequests.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { V1Secret } from "@kubernetes/client-node";
import { repoRoot } from "./helpers/controller.js";
import { ensureCrd, getSealed, orUndefined } from "./helpers/kube.js";
import type { Kube } from "./helpers/kube.js";
import { waitFor } from "./helpers/wait.js";
import type { KeyBundle, PublicKey } from "../../src/index.js";
import type { SealRequestSpec, SealRequestStatus } from "../../src/sealrequest.js";

export const KEY_TYPES = ["mlkem768x25519", "x25519"] as const;

export async function ensureCrds(k: Kube): Promise<void> {
  for (const file of ["crd.yaml", "sealrequest-crd.yaml"]) await ensureCrd(k, readFileSync(join(repoRoot, "manifests", file), "utf8"));
}

export async function keySecrets(k: Kube, namespace: string, kind: "sealing" | "signer" = "sealing"): Promise<V1Secret[]> {
  return (await k.core.listNamespacedSecret({ namespace, labelSelector: `seal.dev/key=${kind}` })).items;
}

export function annotation(secret: V1Secret, name: string): string {
  return secret.metadata?.annotations?.[`seal.dev/${name}`] ?? "";
}

/** The key Secret that should be current for each type: the highest generation among active ones. */
export function currentKeyIds(secrets: V1Secret[]): Record<string, string> {
  const current: Record<string, { id: string; generation: number }> = {};
  for (const s of secrets) {
    if (annotation(s, "state") !== "active") continue;
    const type = annotation(s, "key-type");
    const generation = Number(annotation(s, "generation"));
    const held = current[type];
    if (held === undefined || generation > held.generation) current[type] = { id: annotation(s, "key-id"), generation };
  }
  return Object.fromEntries(Object.entries(current).map(([type, v]) => [type, v.id]));
}

/** The base64 Ed25519 public key stored in the signer Secret. */
export async function storedSigner(k: Kube, namespace: string): Promise<string> {
  const [signer] = await keySecrets(k, namespace, "signer");
  const b64 = signer?.data?.publicKey;
  if (b64 === undefined) throw new Error(`no signer Secret in ${namespace}`);
  return Buffer.from(b64, "base64").toString("utf8");
}

/** The bundle's keys of one type (helpers/kube.ts sealSecret seals to the x25519 ones unless told otherwise). */
export function keysOfType(bundle: KeyBundle, type: (typeof KEY_TYPES)[number] = "x25519"): PublicKey[] {
  return bundle.keys.filter((key) => key.type === type);
}

const SR = { group: "seal.dev", version: "v1alpha1", plural: "sealrequests" };

export type { SealRequestStatus };

export async function createSealRequest(
  k: Kube,
  namespace: string,
  name: string,
  spec: SealRequestSpec,
): Promise<void> {
  await k.custom.createNamespacedCustomObject({ ...SR, namespace, body: { apiVersion: "seal.dev/v1alpha1", kind: "SealRequest", metadata: { name }, spec } });
}

export async function sealRequestStatus(k: Kube, namespace: string, name: string): Promise<SealRequestStatus | undefined> {
  const obj = (await orUndefined(k.custom.getNamespacedCustomObject({ ...SR, namespace, name }))) as { status?: SealRequestStatus } | undefined;
  return obj?.status;
}

export function waitForPhase(k: Kube, namespace: string, name: string, timeoutMs = 60_000): Promise<SealRequestStatus> {
  return waitFor(
    async () => {
      const status = await sealRequestStatus(k, namespace, name);
      return status?.phase === undefined ? undefined : status;
    },
    { what: `SealRequest ${namespace}/${name} to finish`, timeoutMs },
  );
}

/** Waits until the SealedSecret is Ready=True and returns the key ids its status names. */
export async function waitForUnsealedWith(k: Kube, namespace: string, name: string): Promise<string[]> {
  return waitFor(
    async () => {
      const ss = await getSealed(k, namespace, name);
      const ready = ss?.status?.conditions?.find((c) => c.type === "Ready");
      return ready?.status === "True" && ss?.status?.observedGeneration === ss?.metadata.generation ? (ss?.status?.keyIds ?? []) : undefined;
    },
    { what: `SealedSecret ${namespace}/${name} Ready` },
  );
}
