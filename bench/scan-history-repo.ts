// The synthetic repository the `scan --history` benchmark row scans: 500 ordinary files (Markdown, TypeScript,
// Deployments and ConfigMaps, some of which mention Secrets), then `commits` commits that each edit one or two of
// them, with plaintext Secrets planted in ten forms along the way (half deleted a few commits later, so they live
// only in history, one on a branch never merged), SealedSecrets, placeholder and empty Secrets and a Helm chart.
// Written by `git fast-import` in one stream: 20,000 commits take seconds, not the minutes a commit-by-commit
// writer would.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";

/** One planted plaintext Secret: a scanner's recall is the share of these whose path it reports. */
export interface Planted {
  path: string;
  /** Every file the form adds (a secretGenerator's env file holds the values too): finding any counts. */
  files: string[];
  form: string;
  /** Deleted again a few commits later: only a history scan can find it. */
  deleted: boolean;
}

export interface HistoryRepo {
  dir: string;
  commits: number;
  planted: Planted[];
  /** Files that look like Secrets but are not leaks (SealedSecrets, placeholders, empty values, Helm templates). */
  decoys: string[];
  /** The planted secret values: no scanner output may contain one. */
  values: string[];
}

const ORDINARY_FILES = 500;

// A small deterministic generator (mulberry32): the same repository every run.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A token that looks like a real credential (high entropy), unique per planted file so output can be grepped. */
function token(rand: () => number, length = 32): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(rand() * alphabet.length)];
  return out;
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

function ordinaryFile(index: number, revision: number): { path: string; text: string } {
  const app = `app-${index % 40}`;
  switch (index % 5) {
    case 0:
      return { path: `docs/${app}/notes-${index}.md`, text: `# ${app} notes ${index}\n\nRevision ${revision}.\n${"Lorem ipsum dolor sit amet.\n".repeat(10)}` };
    case 1:
      return {
        path: `src/${app}/module-${index}.ts`,
        text: `export const revision = ${revision};\n${Array.from({ length: 20 }, (_, i) => `export function f${i}(x: number): number { return x * ${i + index}; }\n`).join("")}`,
      };
    case 2:
      return {
        path: `deploy/${app}/deployment-${index}.yaml`,
        // Mentions Secrets the way real Deployments do (secretKeyRef, a comment): the prefilter must not stop at these.
        text: `# Reads its password from the ${app} Secret (sealed).\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${app}-${index}\n  labels: {revision: "${revision}"}\nspec:\n  replicas: ${1 + (revision % 3)}\n  template:\n    spec:\n      containers:\n        - name: main\n          image: registry.example.com/${app}:1.${revision}\n          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: ${app}-db, key: password}\n`,
      };
    case 3:
      return {
        path: `deploy/${app}/configmap-${index}.yaml`,
        text: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${app}-config-${index}\ndata:\n  revision: "${revision}"\n${Array.from({ length: 15 }, (_, i) => `  setting_${i}: value-${i}-${index}\n`).join("")}`,
      };
    default:
      return { path: `config/${app}/settings-${index}.json`, text: `${JSON.stringify({ app, index, revision, features: { a: true, b: revision % 2 === 0 } }, null, 2)}\n` };
  }
}

/** The ten forms of a plaintext Secret, each as files to add (the first is the one reported). */
function plantedForms(secretToken: (length?: number) => string): Array<{ form: string; files: Record<string, string> }> {
  const secret = (name: string, body: string, eol = "\n"): string =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\n  namespace: shop\n${body}`.replaceAll("\n", eol);
  return [
    { form: "stringData", files: { "deploy/shop/db-secret.yaml": secret("db", `stringData:\n  password: ${secretToken()}\n`) } },
    { form: "data (base64)", files: { "deploy/shop/api-secret.yaml": secret("api", `type: Opaque\ndata:\n  api-token: ${b64(secretToken())}\n`) } },
    {
      form: "multi-document YAML",
      files: { "deploy/shop/all-in-one.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop}\ndata: {mode: fast}\n---\n${secret("shop-tokens", `stringData:\n  secret_token: ${secretToken()}\n`)}` },
    },
    {
      form: "JSON",
      files: { "deploy/billing/secret.json": `${JSON.stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "billing" }, stringData: { client_secret: secretToken() } }, null, 2)}\n` },
    },
    {
      form: "List (JSON)",
      files: {
        "deploy/billing/list.json": JSON.stringify({
          apiVersion: "v1",
          kind: "List",
          items: [{ apiVersion: "v1", kind: "Secret", metadata: { name: "billing-list" }, data: { access_key: b64(secretToken()) } }],
        }),
      },
    },
    {
      form: "kustomize secretGenerator literals",
      files: { "overlays/prod/kustomization.yaml": `resources: [../../deploy/shop]\nsecretGenerator:\n  - name: prod-api\n    literals:\n      - API_KEY=${secretToken()}\n` },
    },
    {
      form: "kustomize secretGenerator envs (file in Git)",
      files: {
        "overlays/stage/kustomization.yaml": `resources: [../../deploy/shop]\nsecretGenerator:\n  - name: stage-env\n    envs: [secrets.env]\n`,
        "overlays/stage/secrets.env": `API_TOKEN=${secretToken()}\n`,
      },
    },
    { form: "CRLF line endings", files: { "deploy/legacy/secret.yaml": secret("legacy", `stringData:\n  password: ${secretToken()}\n`, "\r\n") } },
    {
      form: "AWS-style key",
      files: { "deploy/aws/credentials.yaml": secret("aws", `stringData:\n  AWS_ACCESS_KEY_ID: AKIA${secretToken(16).toUpperCase()}\n  AWS_SECRET_ACCESS_KEY: ${secretToken(40)}\n`) },
    },
    {
      form: "DATABASE_URL with a password",
      files: { "deploy/orders/db-url.yaml": secret("orders-db", `stringData:\n  DATABASE_URL: postgres://orders:${secretToken(20)}@db.orders.svc:5432/orders\n`) },
    },
  ];
}

/** Files that mention Secrets but leak nothing: what a scanner must not report. */
function decoyFiles(rand: () => number): Record<string, string> {
  const placeholder = (name: string, values: Record<string, string>): string =>
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n${Object.entries(values).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}\n`).join("")}`;
  return {
    "deploy/shop/db-sealed.yaml": `apiVersion: seal.dev/v1alpha1\nkind: SealedSecret\nmetadata: {name: db, namespace: shop}\nspec:\n  scope: strict\n  encryptedData:\n    password: ${b64(token(rand, 180))}\n  sealedTo:\n    password: [3b0d0f3c1c6a4f52]\n`,
    "deploy/shop/bitnami-sealed.yaml": `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: api, namespace: shop}\nspec:\n  encryptedData:\n    api-token: ${b64(token(rand, 200))}\n`,
    "deploy/templates/placeholder-secret.yaml": placeholder("example", { password: "REPLACE_ME", api_key: "changeme", user: "<your-user>" }),
    "deploy/templates/env-secret.yaml": placeholder("from-env", { password: "${DB_PASSWORD}", token: "{{ .Values.token }}" }),
    "deploy/templates/empty-secret.yaml": placeholder("empty", { password: "", token: "" }),
    "charts/shop/values.yaml": `replicaCount: 2\nimage: {repository: registry.example.com/shop, tag: "1.0"}\ndb:\n  existingSecret: shop-db\n  password: ""\n`,
    "charts/shop/templates/secret.yaml": `apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include "shop.fullname" . }}\ndata:\n  password: {{ .Values.db.password | b64enc | quote }}\n`,
  };
}

const quoteData = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}\n`;

/**
 * Writes the repository into `dir` (a new folder) with `git fast-import`: branch `main` with `commits` commits,
 * plus `feature/unmerged` (one commit with a plaintext Secret, never merged) and a tag.
 */
export async function generateHistoryRepo(dir: string, commits: number): Promise<HistoryRepo> {
  if (commits < 20) throw new Error("generateHistoryRepo: at least 20 commits");
  mkdirSync(dir, { recursive: true });
  const git = (args: string[], input?: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn("git", args, { cwd: dir, stdio: [input === undefined ? "ignore" : "pipe", "ignore", "pipe"] });
      let stderr = "";
      child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.once("error", reject);
      child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`git ${args[0]}: ${stderr.trim()}`))));
      if (input !== undefined) child.stdin?.end(input);
    });
  await git(["init", "-q", "-b", "main"]);

  const rand = random(15);
  const values: string[] = [];
  const secretToken = (length?: number): string => {
    const value = token(rand, length);
    values.push(value, b64(value));
    return value;
  };
  const forms = plantedForms(secretToken);
  const decoys = decoyFiles(rand);
  const stream: string[] = [];
  let time = 1_700_000_000;
  let mark = 0;
  const commit = (ref: string, message: string, changes: string[], from?: number): number => {
    mark++;
    time += 60;
    stream.push(`commit ${ref}\nmark :${mark}\ncommitter Bench <bench@example.com> ${time} +0000\n${quoteData(message)}`);
    if (from !== undefined) stream.push(`from :${from}\n`);
    stream.push(...changes, "\n");
    return mark;
  };
  const put = (path: string, text: string): string => `M 100644 inline ${path}\n${quoteData(text)}`;

  const initial = Array.from({ length: ORDINARY_FILES }, (_, i) => ordinaryFile(i, 0));
  commit("refs/heads/main", "initial import", initial.map((f) => put(f.path, f.text)));
  // Plant the forms at evenly spread commits; every other one is deleted five commits later.
  const plantAt = new Map<number, number>();
  forms.forEach((_, i) => plantAt.set(Math.floor(((i + 1) * (commits - 10)) / (forms.length + 1)), i));
  const decoyAt = Math.floor(commits / 3);
  const deletions = new Map<number, string[]>();
  const planted: Planted[] = [];
  let featureBase = 0;
  for (let n = 1; n < commits; n++) {
    const changes: string[] = [];
    const edits = 1 + Math.floor(rand() * 2);
    for (let e = 0; e < edits; e++) {
      const file = ordinaryFile(Math.floor(rand() * ORDINARY_FILES), n);
      changes.push(put(file.path, file.text));
    }
    let message = `change ${n}`;
    const formIndex = plantAt.get(n);
    if (formIndex !== undefined) {
      const form = forms[formIndex]!;
      const deleted = formIndex % 2 === 1;
      for (const [path, text] of Object.entries(form.files)) changes.push(put(path, text));
      planted.push({ path: Object.keys(form.files)[0]!, files: Object.keys(form.files), form: form.form, deleted });
      if (deleted) deletions.set(n + 5, Object.keys(form.files));
      message = `add ${form.form}`;
    }
    for (const path of deletions.get(n) ?? []) changes.push(`D ${path}\n`);
    if (n === decoyAt) for (const [path, text] of Object.entries(decoys)) changes.push(put(path, text));
    const made = commit("refs/heads/main", message, changes);
    if (n === Math.floor(commits / 2)) featureBase = made;
  }
  // A leak on a branch that was never merged: only a scan of every ref finds it.
  const branchPath = "deploy/feature/secret.yaml";
  const branchSecret = `apiVersion: v1\nkind: Secret\nmetadata: {name: feature}\nstringData:\n  password: ${secretToken()}\n`;
  commit("refs/heads/feature/unmerged", "feature work", [put(branchPath, branchSecret)], featureBase);
  planted.push({ path: branchPath, files: [branchPath], form: "on an unmerged branch", deleted: false });
  stream.push(`tag v1.0\nfrom refs/heads/main\ntagger Bench <bench@example.com> ${time} +0000\n${quoteData("release")}`);
  await git(["fast-import", "--quiet"], stream.join(""));
  await git(["checkout", "-q", "-f", "main"]);
  return { dir, commits: commits + 1, planted, decoys: Object.keys(decoys), values };
}
