// The offline sealing path must not load Git: src/ outside src/git/, src/cli/ and the root seal command may reach
// src/git/ or isomorphic-git only through a dynamic `await import()` (e.g. for --commit).
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function typescriptFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

// `import ... from "x"` and `export ... from "x"`, including multi-line import lists; not `import("x")`.
const STATIC_IMPORT = /^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/gms;

function staticImports(text: string): string[] {
  return [...text.matchAll(STATIC_IMPORT)].map((match) => match[1]!);
}

describe("the offline path does not import Git statically", () => {
  it("recognises static imports and lets dynamic ones through", () => {
    const sample = `import git from "isomorphic-git";\nimport {\n  a,\n} from "../src/git/commit.js";\nconst m = await import("../src/git/commit.js");`;
    expect(staticImports(sample)).toEqual(["isomorphic-git", "../src/git/commit.js"]);
  });

  it("holds for src/ outside src/git/ and for the root command", () => {
    const offline = [
      ...typescriptFiles(path.join(root, "src")).filter((file) => !file.includes(`${path.sep}git${path.sep}`)),
      ...["commands/index.ts", "commands/seal.ts"].map((file) => path.join(root, file)).filter(fs.existsSync),
    ];
    expect(offline.length).toBeGreaterThan(0);
    const offenders = offline.flatMap((file) =>
      staticImports(fs.readFileSync(file, "utf8"))
        .filter((specifier) => specifier === "isomorphic-git" || /(^|\/)git\//.test(specifier))
        .map((specifier) => `${path.relative(root, file)} imports ${specifier}`),
    );
    expect(offenders).toEqual([]);
  });
});
