// The real kubeseal (Bitnami Sealed Secrets v0.40.0; test/control-plane/bitnami.ts builds it) used offline with
// `--cert`, and an RSA key pair and certificate made with openssl, as Bitnami's controller makes its own (a key
// Secret holds tls.crt and tls.key).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
