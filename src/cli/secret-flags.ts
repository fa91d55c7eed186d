// A Secret built from flags, as `kubectl create secret generic` builds one: --from-literal key=value,
// --from-file [key=]path, --from-env-file path, with --name, --namespace and --type. The result goes through the
// same validation as a Secret read from a manifest (key names, the 1 MiB limit). Values never reach a message.
import * as fs from "node:fs";
import * as path from "node:path";
import { encodeBase64 } from "../base64.js";
import { InputError } from "../errors.js";
import { setOwn } from "../records.js";
import { secretFromManifest } from "../secret.js";
import type { PlainSecret, SecretManifest } from "../types.js";
import { decodeUtf8, readFileOrPipeBounded, VALUE_BOUND } from "./bounded-read.js";

export interface SecretFlags {
  fromLiteral?: string[] | undefined;
  fromFile?: string[] | undefined;
  fromEnvFile?: string[] | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
  type?: string | undefined;
}

export function hasValueFlags(flags: SecretFlags): boolean {
  return [flags.fromLiteral, flags.fromFile, flags.fromEnvFile].some((list) => list !== undefined && list.length > 0);
}

/**
 * The Secret the --from-* flags describe, validated like a manifest. Files may be pipes, as kubectl allows
 * (`--from-file key=<(command)`), read with the same bound (bounded-read.ts).
 */
export async function secretFromFlags(flags: SecretFlags): Promise<PlainSecret> {
  const data = new Map<string, Uint8Array>();
  const add = (key: string, value: Uint8Array, from: string): void => {
    if (data.has(key)) {
      throw new InputError(`${from}: key ${JSON.stringify(key)} is given more than once`, "give each key once");
    }
    data.set(key, value);
  };
  for (const literal of flags.fromLiteral ?? []) {
    const [key, value] = splitPair(literal, "--from-literal", "KEY=VALUE");
    // Node decodes argv as UTF-8 and puts U+FFFD where a byte is not: the bytes given are lost, so refuse.
    if (value.includes("\uFFFD")) {
      throw new InputError(`--from-literal ${key}: the value is not valid UTF-8 text (or holds U+FFFD)`, "pass values that are not text with --from-file");
    }
    add(key, new TextEncoder().encode(value), "--from-literal");
  }
  for (const spec of flags.fromFile ?? []) {
    for (const [key, file] of filesOf(spec)) add(key, await readFileOrPipeBounded(file, "file", VALUE_BOUND), `--from-file ${file}`);
  }
  for (const file of flags.fromEnvFile ?? []) {
    // As kubectl: an env file must be UTF-8 text; values that are not go through --from-file.
    const text = decodeUtf8(await readFileOrPipeBounded(file, "env file", VALUE_BOUND), `env file ${file}`, "save it as UTF-8, or pass binary values with --from-file");
    for (const [key, value] of envFileEntries(text, file)) add(key, new TextEncoder().encode(value), `--from-env-file ${file}`);
  }

  const manifest: SecretManifest = { apiVersion: "v1", kind: "Secret", metadata: {} };
  if (flags.name !== undefined) manifest.metadata.name = flags.name;
  if (flags.namespace !== undefined) manifest.metadata.namespace = flags.namespace;
  if (flags.type !== undefined) manifest.type = flags.type;
  const encoded: Record<string, string> = {};
  for (const [key, value] of data) setOwn(encoded, key, encodeBase64(value));
  manifest.data = encoded;
  return secretFromManifest(manifest, "--from-* flags");
}

/** `KEY=VALUE` split at the first `=`; the key must not be empty. Only the key is ever quoted back. */
function splitPair(text: string, flag: string, shape: string): [string, string] {
  const at = text.indexOf("=");
  if (at <= 0) {
    const key = at < 0 ? "" : " (empty key)";
    throw new InputError(`${flag}: expected ${shape}${key}`, `write ${flag} ${shape}`);
  }
  return [text.slice(0, at), text.slice(at + 1)];
}

/** `[key=]path`: the key defaults to the file's name; a directory stands for each regular file in it. */
function filesOf(spec: string): [string, string][] {
  const at = spec.indexOf("=");
  if (at === 0) throw new InputError(`--from-file ${spec}: the key before "=" is empty`, "write --from-file KEY=PATH or --from-file PATH");
  const [key, file] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [undefined, spec];
  let directory = false;
  try {
    directory = fs.statSync(file).isDirectory();
  } catch {
    // readFileOrPipeBounded reports it with the reason.
  }
  if (!directory) return [[key ?? path.basename(file), file]];
  if (key !== undefined) throw new InputError(`--from-file ${spec}: a directory cannot be given a key`, "write --from-file DIRECTORY");
  return fs
    .readdirSync(file, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry): [string, string] => [entry.name, path.join(file, entry.name)])
    .sort(([a], [b]) => (a < b ? -1 : 1));
}

/**
 * Entries of an env file as kubectl reads them: `KEY=VALUE` per line, blank lines and `#` comments skipped,
 * the key trimmed, the value taken as is (no quotes removed).
 */
export function envFileEntries(text: string, file: string): [string, string][] {
  const entries: [string, string][] = [];
  for (const [index, raw] of text.replace(/^\uFEFF/, "").split(/\r?\n/).entries()) {
    const line = raw.trimStart();
    if (line === "" || line.startsWith("#")) continue;
    const at = line.indexOf("=");
    if (at <= 0) {
      throw new InputError(`env file ${file}: line ${index + 1} is not KEY=VALUE`, "write one KEY=VALUE per line (# starts a comment)");
    }
    entries.push([line.slice(0, at).trimEnd(), line.slice(at + 1)]);
  }
  return entries;
}
