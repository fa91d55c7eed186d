// Finding every sealed file in a repository: the walker behind `status` and `reencrypt --all`.
import * as path from "node:path";
import { API_VERSION, type SealedSecret } from "../types.js";
import { mayHoldManifests, readObjects } from "./documents.js";
import { findRepository, type Repository } from "./repo.js";
import { walkWorktree } from "./worktree.js";

export interface SealedDocument {
  /** 0-based YAML document index in the file. */
  document: number;
  /** 0-based index in `items` when the object is inside a List. */
  item?: number;
  sealed: SealedSecret;
}

export interface SealedFile {
  /** Slash-separated path from the repository root. */
  path: string;
  absolute: string;
  /** The file's text as read, for callers that rewrite it in place. */
  text: string;
  documents: SealedDocument[];
}

function isSealedSecret(object: Record<string, unknown>): object is Record<string, unknown> & SealedSecret {
  const spec = object.spec as { encryptedData?: unknown } | undefined;
  return (
    object.kind === "SealedSecret" &&
    object.apiVersion === API_VERSION &&
    typeof spec === "object" &&
    spec !== null &&
    typeof spec.encryptedData === "object" &&
    spec.encryptedData !== null
  );
}

/**
 * Every file under `start` (default: the root of the repository holding the current directory) that contains at
 * least one SealedSecret, in path order; .gitignore'd files, .git and node_modules are skipped.
 */
export async function* findSealedFiles(start?: string): AsyncGenerator<SealedFile> {
  let repo: Repository | undefined;
  try {
    repo = await findRepository(start ?? process.cwd());
  } catch {
    repo = undefined; // outside a repository: walk the directory itself, without ignore rules
  }
  const root = path.resolve(start ?? repo?.dir ?? process.cwd());
  const walk = walkWorktree(root, repo, { accept: mayHoldManifests, wanted: (text) => text.includes("SealedSecret") });
  for await (const file of walk) {
    const documents: SealedDocument[] = [];
    for (const found of readObjects(file.text).objects) {
      if (!isSealedSecret(found.object)) continue;
      documents.push({
        document: found.document,
        ...(found.item === undefined ? {} : { item: found.item }),
        sealed: found.object,
      });
    }
    if (documents.length > 0) yield { ...file, documents };
  }
}
