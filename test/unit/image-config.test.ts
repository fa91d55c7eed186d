// The image has two recipes: scripts/build-image.sh (`npm run image`, what a release ships) and the Dockerfile (for
// people who build with an engine). Their runtime configuration must not drift, and manifests/ must name the tag
// the script writes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("../..", import.meta.url));
const declared = JSON.parse(execFileSync("bash", [join(root, "scripts/build-image.sh"), "controller", "--print-config"], { encoding: "utf8" })) as {
  ref: string; user: string; workdir: string; port: string; env: string[]; entrypoint: string[];
};

/** ENV, USER, WORKDIR, EXPOSE and ENTRYPOINT of the Dockerfile's last stage (the runtime image). */
function dockerfileRuntime(text: string) {
  const lines = text.split("\n").filter((line) => !line.startsWith("#"));
  const last = lines.slice(lines.map((line) => line.startsWith("FROM ")).lastIndexOf(true));
  const values = (instruction: string) => last.filter((line) => line.startsWith(`${instruction} `)).map((line) => line.slice(instruction.length + 1).trim());
  const env: string[] = [];
  for (const line of values("ENV")) {
    for (const match of line.matchAll(/([A-Z_][A-Z0-9_]*)=("([^"]*)"|\S+)/g)) env.push(`${match[1]}=${match[3] ?? match[2]}`);
  }
  return { user: values("USER").at(-1), workdir: values("WORKDIR").at(-1), port: `${values("EXPOSE").at(-1)}/tcp`,
    env, entrypoint: JSON.parse(values("ENTRYPOINT").at(-1) ?? "[]") as string[] };
}

it("the Dockerfile's runtime stage has the environment, user, working directory, port and entrypoint of npm run image", () => {
  const docker = dockerfileRuntime(readFileSync(join(root, "Dockerfile"), "utf8"));
  // PATH comes from the Dockerfile's base image (node:*-slim), where node is /usr/local/bin/node as in ours.
  const [path, ...rest] = declared.env;
  expect(path).toBe("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  expect(docker).toEqual({ user: declared.user, workdir: declared.workdir, port: declared.port, env: rest, entrypoint: declared.entrypoint });
});

it("manifests/deployment.yaml runs the tag npm run image writes, with the image's memory settings", () => {
  const deployment = parse(readFileSync(join(root, "manifests/deployment.yaml"), "utf8"));
  const container = deployment.spec.template.spec.containers[0];
  expect(container.image).toBe(declared.ref);
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version as string;
  expect(declared.ref).toBe(`ghcr.io/kubectl-seal/controller:${version}`);
  for (const name of ["MALLOC_ARENA_MAX", "NODE_OPTIONS"]) {
    const inImage = declared.env.find((e) => e.startsWith(`${name}=`));
    const inDeployment = (container.env as { name: string; value?: string }[]).find((e) => e.name === name);
    expect(`${name}=${inDeployment?.value}`).toBe(inImage);
  }
});
