// The real kubeseal (Bitnami Sealed Secrets v0.40.0, built from its Go module by scripts/build-go-tool.sh into the
// shared cache) used offline with `--cert`, and an RSA key pair and certificate made with openssl, as Bitnami's
// controller makes its own (a key Secret holds tls.crt and tls.key).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./controller.js";

/** Paths of the built `sealed-secrets-controller` and `kubeseal` (builds them the first time; a few minutes). */
export function bitnamiBinaries(): { controller: string; kubeseal: string } {
  const out = execFileSync(join(repoRoot, "scripts/build-go-tool.sh"), ["sealed-secrets"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const paths = out.trim().split("\n");
  const find = (name: string): string => {
    const path = paths.find((p) => p.endsWith(`/${name}`));
    if (path === undefined) throw new Error(`scripts/build-go-tool.sh sealed-secrets printed no ${name}`);
    return path;
  };
  return { controller: find("sealed-secrets-controller"), kubeseal: find("kubeseal") };
}

export interface BitnamiKeyPair {
  dir: string;
  certFile: string;
  /** PEM of the private key (tls.key) and the certificate (tls.crt). */
  key: string;
  cert: string;
  remove(): void;
}

/** A fresh RSA key and self-signed certificate in a private temp folder (removed by remove()). */
export function makeBitnamiKeyPair(bits = 2048): BitnamiKeyPair {
  const dir = mkdtempSync(join(tmpdir(), "seal-bitnami-key-"));
  const keyFile = join(dir, "tls.key");
  const certFile = join(dir, "tls.crt");
  execFileSync("openssl", ["req", "-x509", "-newkey", `rsa:${bits}`, "-nodes", "-keyout", keyFile, "-out", certFile, "-days", "30", "-subj", "/O=sealed-secret/CN=sealed-secret"], { stdio: "ignore" });
  return { dir, certFile, key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs kubeseal with `args`, `input` on stdin; returns stdout. */
export function kubeseal(binary: string, args: string[], input = ""): string {
  return execFileSync(binary, args, { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}
