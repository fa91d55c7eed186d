// The offline seal path must start fast: no module of the core library may import a Kubernetes client or Git.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { expect, test } from "vitest";

const FORBIDDEN = [/^@kubernetes\//, /^isomorphic-git/, /^node:child_process$/];

test("src/index.ts and everything it imports stay free of Kubernetes, Git and process spawning", () => {
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, fromClause, bare] of source.matchAll(/^(?:import|export)\b[^;"']*?\bfrom\s+["']([^"']+)["']|^import\s+["']([^"']+)["']/gm)) {
      const specifier = fromClause ?? bare ?? "";
      expect(FORBIDDEN.some((pattern) => pattern.test(specifier)), `${file} imports ${specifier}`).toBe(false);
      if (specifier.startsWith(".")) visit(resolve(dirname(file), specifier.replace(/\.js$/, ".ts")));
    }
  };
  visit(join(import.meta.dirname, "..", "..", "src", "index.ts"));
  expect(seen.size).toBeGreaterThan(10);
});
