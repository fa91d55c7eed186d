// Shared helpers for the core tests: keys made once per file, and the "no secret value leaks" check.
import { execFileSync } from "node:child_process";
import { inspect } from "node:util";
import { expect } from "vitest";
import { generateKey, type PlainSecret, type PrivateKey } from "../../src/index.js";

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

/** Values that must never appear in any message; distinctive so a leak cannot be a coincidence. */
export const SECRET_VALUES = ["hunter2-leak-canary", "s3cr3t-P@ss-9f1c"];

export function demoSecret(overrides: Partial<PlainSecret> = {}): PlainSecret {
  return {
    name: "db",
    namespace: "shop",
    labels: { app: "shop" },
    type: "Opaque",
    data: { password: utf8(SECRET_VALUES[0] ?? ""), token: utf8(SECRET_VALUES[1] ?? "") },
    ...overrides,
  };
}

export async function keyPair(): Promise<{ x: PrivateKey; pq: PrivateKey }> {
  return { x: await generateKey("x25519"), pq: await generateKey("mlkem768x25519") };
}

/** Everything a thrown error could show: message, stack, own fields, the whole cause chain. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    parts.push(String(current), inspect(current, { depth: 5 }));
    if (current instanceof Error) parts.push(current.stack ?? "");
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join("\n");
}

export function expectNoSecretIn(error: unknown, values: readonly string[] = SECRET_VALUES): void {
  const all = everythingIn(error);
  for (const value of values) expect(all).not.toContain(value);
}

/** Run `fn`, expect it to throw an instance of `kind`, check no secret leaks, and return the error. */
export async function thrown<E extends Error>(
  kind: new (...args: never[]) => E,
  fn: () => unknown,
  values: readonly string[] = SECRET_VALUES,
): Promise<E> {
  let caught: unknown;
  try {
    await fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, "expected an error to be thrown").toBeInstanceOf(kind);
  expectNoSecretIn(caught, values);
  return caught as E;
}

/** Fail (never skip) when a command the test needs is missing, naming the fix. */
export function requireTool(command: string): void {
  let found = "";
  try {
    found = execFileSync("sh", ["-c", 'command -v "$1"', "sh", command], { encoding: "utf8" }).trim();
  } catch {
    found = "";
  }
  expect(found, `${command} is not installed: run scripts/setup.sh (installs Debian's age)`).not.toBe("");
}
