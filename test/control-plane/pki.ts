// Credentials of one throwaway control plane, all inside its temporary folder: a CA and the API server's
// serving certificate (openssl: Node cannot issue X.509 certificates), the service-account signing key pair
// (node:crypto) and a static token file with an admin and two unprivileged users.
import { execFile } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Users of the static token file. admin is in system:masters; alice and bob have no rights until RBAC grants them. */
export const users = ["admin", "alice", "bob"] as const;
export type User = (typeof users)[number];
export type Tokens = Record<User, string>;

export interface Pki {
  caFile: string;
  caKeyFile: string;
  certFile: string;
  keyFile: string;
  serviceAccountPublicKeyFile: string;
  serviceAccountPrivateKeyFile: string;
  tokenFile: string;
  tokens: Tokens;
  /** Token of the user `system:kube-controller-manager`, which the bootstrap RBAC policy already authorizes. */
  controllerManagerToken: string;
  /** Client certificate the API server shows a kubelet (group system:masters, so the kubelet's webhook authorizes it). */
  kubeletClientCertFile: string;
  kubeletClientKeyFile: string;
}

export async function writePki(dir: string): Promise<Pki> {
  const file = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7"];
  await openssl(["req", "-x509", ...ec, "-keyout", file("ca.key"), "-out", file("ca.crt"),
    "-subj", "/CN=kubectl-seal-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  await openssl(["req", "-x509", ...ec, "-keyout", file("apiserver.key"), "-out", file("apiserver.crt"),
    "-CA", file("ca.crt"), "-CAkey", file("ca.key"), "-subj", "/CN=kube-apiserver",
    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc",
    "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "extendedKeyUsage=serverAuth"]);

  const kubeletClient = await issueCertificate(dir, "apiserver-kubelet-client", "/O=system:masters/CN=kube-apiserver-kubelet-client", "clientAuth");

  const serviceAccount = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  await writeFile(file("sa.pub"), serviceAccount.publicKey);
  await writeFile(file("sa.key"), serviceAccount.privateKey, { mode: 0o600 });

  const token = () => randomBytes(24).toString("hex");
  const tokens: Tokens = { admin: token(), alice: token(), bob: token() };
  const controllerManagerToken = token();
  // Format: token,user,uid,"group1,group2" (https://kubernetes.io/docs/reference/access-authn-authz/authentication/)
  const lines = [
    `${tokens.admin},admin,admin,"system:masters"`,
    `${tokens.alice},alice,alice`,
    `${tokens.bob},bob,bob`,
    `${controllerManagerToken},system:kube-controller-manager,system:kube-controller-manager`,
  ];
  await writeFile(file("tokens.csv"), lines.join("\n") + "\n", { mode: 0o600 });

  return {
    caFile: file("ca.crt"),
    caKeyFile: file("ca.key"),
    certFile: file("apiserver.crt"),
    keyFile: file("apiserver.key"),
    serviceAccountPublicKeyFile: file("sa.pub"),
    serviceAccountPrivateKeyFile: file("sa.key"),
    tokenFile: file("tokens.csv"),
    tokens,
    controllerManagerToken,
    kubeletClientCertFile: kubeletClient.certFile,
    kubeletClientKeyFile: kubeletClient.keyFile,
  };
}

/**
 * A certificate for `subject` signed by the test CA in `dir` (ca.crt, ca.key), written to dir/NAME.crt and NAME.key.
 * `usage` is the extended key usage; `altNames` (e.g. "DNS:localhost,IP:127.0.0.1") for serving certificates.
 */
export async function issueCertificate(dir: string, name: string, subject: string, usage: "clientAuth" | "serverAuth",
  altNames?: string): Promise<{ certFile: string; keyFile: string }> {
  const file = (suffix: string) => join(dir, `${name}.${suffix}`);
  await openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "7",
    "-keyout", file("key"), "-out", file("crt"), "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key"), "-subj", subject,
    ...(altNames ? ["-addext", `subjectAltName=${altNames}`] : []),
    "-addext", "basicConstraints=critical,CA:FALSE", "-addext", `extendedKeyUsage=${usage}`]);
  return { certFile: file("crt"), keyFile: file("key") };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const reason = (error as { code?: string }).code === "ENOENT" ? "openssl is not installed (run scripts/setup.sh)" : String(error);
    throw new Error(`control plane: creating test certificates failed: ${reason}`);
  }
}

/** A kubeconfig that reaches `server` as the bearer of `token` (or with a client certificate), trusting only the test CA. */
export async function writeKubeconfig(path: string, server: string, caFile: string, user: string,
  token: string | { certFile: string; keyFile: string }): Promise<string> {
  const credentials = typeof token === "string" ? { token }
    : { "client-certificate": token.certFile, "client-key": token.keyFile };
  const kubeconfig = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "kubectl-seal-test", cluster: { server, "certificate-authority": caFile } }],
    users: [{ name: user, user: credentials }],
    contexts: [{ name: user, context: { cluster: "kubectl-seal-test", user } }],
    "current-context": user,
  };
  // JSON is valid YAML: kubectl, client-go and client-node all read it.
  await writeFile(path, JSON.stringify(kubeconfig, null, 2) + "\n", { mode: 0o600 });
  return path;
}
