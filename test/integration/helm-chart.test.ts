// The Helm chart (charts/kubectl-seal) against the real Helm: it lints, its defaults render exactly the objects of
// manifests/ (so the two cannot drift), its values land in the fields they name, and bad values are refused with a
// message naming the value. Needs no API server, only the binaries the integration setup builds (kubectl, helm).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { cluster } from "../control-plane/cluster.ts";
import { CHART, helm, parseObjects } from "./helpers/helm.js";
import type { Helm, KubeObject } from "./helpers/helm.js";

const ROOT = resolve(import.meta.dirname, "../..");
// The one difference from manifests/, on purpose: `helm uninstall` must not delete the namespace holding the keys.
const KEEP = "helm.sh/resource-policy";

let run: Helm;
beforeAll(() => {
  run = helm();
});

function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return found;
}

interface Container {
  image: string;
  imagePullPolicy: string;
  args: string[];
  env: { name: string; value?: string }[];
  resources: unknown;
  livenessProbe: { httpGet: { host?: string } };
  readinessProbe: { httpGet: { host?: string } };
}
interface PodSpec {
  containers: Container[];
  hostNetwork?: boolean;
}
function deployment(objects: KubeObject[]): { replicas: number; selector: unknown; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } {
  return find(objects, "Deployment", "kubectl-seal-controller").spec as never;
}
function controller(objects: KubeObject[]): Container {
  const container = deployment(objects).template.spec.containers[0];
  if (!container) throw new Error("the Deployment has no container");
  return container;
}

describe("helm chart", () => {
  it("passes helm lint --strict", () => {
    const result = run(["lint", "--strict", "--namespace", "kubectl-seal", CHART]);
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("installs the CRDs of manifests/ unchanged (crds/ holds copies Helm cannot template)", () => {
    for (const [copy, source] of [
      ["sealedsecret-crd.yaml", "crd.yaml"],
      ["sealrequest-crd.yaml", "sealrequest-crd.yaml"],
    ] as const) {
      const what = `charts/kubectl-seal/crds/${copy} must be a copy of manifests/${source}`;
      expect(readFileSync(join(CHART, "crds", copy), "utf8"), what).toBe(readFileSync(join(ROOT, "manifests", source), "utf8"));
    }
  });

  it("carries the package's version as version and appVersion", () => {
    const chart = parse(readFileSync(join(CHART, "Chart.yaml"), "utf8")) as { version: string; appVersion: string };
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
    expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({ version: pkg.version, appVersion: pkg.version });
  });

  it("renders by default exactly the objects of manifests/ (kubectl kustomize), but for the kept namespace", () => {
    const kustomized = parseObjects(execFileSync(cluster().kubectl, ["kustomize", join(ROOT, "manifests")], { encoding: "utf8" }));
    const rendered = run.template([]);
    const namespace = find(rendered, "Namespace", "kubectl-seal");
    expect(namespace.metadata.annotations).toEqual({ [KEEP]: "keep" });
    delete namespace.metadata.annotations;
    expect(rendered.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(kustomized.map((o) => `${o.kind}/${o.metadata.name}`));
    expect(rendered).toEqual(kustomized);
  });

  it("puts each value where it belongs", () => {
    const objects = run.template(
      [
        ["--set", "replicas=3"],
        ["--set", "watchNamespaces={shop,billing}"],
        ["--set", "keyRotationPeriod=12h"],
        ["--set", "workers=4"],
        ["--set", "unsealThreads=2"],
        ["--set", "logLevel=debug"],
        ["--set", "leaderElection.leaseDuration=30s"],
        ["--set", "metricsPort=9090"],
        ["--set", "image.repository=registry.example/seal,image.tag=1.2.3,image.pullPolicy=Always"],
        ["--set", "extraLabels.team=payments"],
        ["--set", "resources.limits.memory=512Mi"],
        ["--set", "namespace.podSecurity=baseline"],
      ].flat(),
      "secrets-system",
    );
    const spec = deployment(objects);
    const container = controller(objects);
    expect(spec.replicas).toBe(3);
    expect(container.args).toEqual([
      "--namespace=$(POD_NAMESPACE)",
      "--metrics-addr=:9090",
      "--key-rotation-period=12h",
      "--lease-duration=30s",
      "--log-level=debug",
      "--watch-namespace=shop,billing",
      "--workers=4",
      "--unseal-threads=2",
    ]);
    expect(container.image).toBe("registry.example/seal:1.2.3");
    expect(container.imagePullPolicy).toBe("Always");
    expect(container.resources).toEqual({ requests: { cpu: "50m", memory: "96Mi" }, limits: { memory: "512Mi" } });
    // Extra labels on every templated object and on the Pods; the selector is unchanged (it is immutable).
    for (const o of objects.filter((o) => o.kind !== "CustomResourceDefinition")) {
      expect(o.metadata.labels?.team, `${o.kind}/${o.metadata.name}`).toBe("payments");
    }
    expect(spec.template.metadata.labels).toEqual({ "app.kubernetes.io/name": "kubectl-seal-controller", team: "payments" });
    expect(spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "kubectl-seal-controller" } });
    // Everything namespaced lands in the release namespace (but the bindings in the watched ones).
    const watchBindings = (o: KubeObject) => o.metadata.name === "kubectl-seal-controller-watch";
    for (const o of objects.filter((o) => o.metadata.namespace !== undefined && !watchBindings(o))) expect(o.metadata.namespace).toBe("secrets-system");
    // Watching some namespaces, the controller's role is bound in those and its own, not cluster-wide.
    const bindings = objects.filter((o) => o.kind.endsWith("Binding") && o.metadata.name.startsWith("kubectl-seal-controller"));
    const where = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? "*"} ${(o.roleRef as { name: string }).name}`;
    expect(bindings.map(where).sort()).toEqual([
      "ClusterRoleBinding * kubectl-seal-controller-sealedsecrets-reader",
      "RoleBinding billing kubectl-seal-controller",
      "RoleBinding secrets-system kubectl-seal-controller",
      "RoleBinding secrets-system kubectl-seal-controller",
      "RoleBinding shop kubectl-seal-controller",
    ]);
    for (const b of bindings) expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "kubectl-seal-controller", namespace: "secrets-system" }]);
    expect(find(objects, "Namespace", "secrets-system").metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("baseline");
    expect((find(objects, "Service", "kubectl-seal-controller-metrics").spec as { ports: { port: number }[] }).ports[0]?.port).toBe(9090);
  });

  it("runs without leader election or rotation, on the host network listening on loopback, with extra environment, without its namespace", () => {
    const objects = run.template([
      ...["--set", "replicas=1,leaderElection.enabled=false,hostNetwork=true,namespace.create=false,keyRotationPeriod=0,metricsHost=127.0.0.1"],
      ...["--set", "extraEnv[0].name=KUBERNETES_SERVICE_HOST,extraEnv[0].value=127.0.0.1"],
    ]);
    const container = controller(objects);
    expect(container.args).toContain("--leader-elect=false");
    expect(container.args).toContain("--key-rotation-period=0");
    expect(container.args).toContain("--metrics-addr=127.0.0.1:8080");
    expect([container.livenessProbe.httpGet.host, container.readinessProbe.httpGet.host]).toEqual(["127.0.0.1", "127.0.0.1"]);
    expect(container.env.at(-1)).toEqual({ name: "KUBERNETES_SERVICE_HOST", value: "127.0.0.1" });
    expect(deployment(objects).template.spec.hostNetwork).toBe(true);
    expect(objects.filter((o) => o.kind === "Namespace")).toEqual([]);
  });

  it("adds any extra labels to every templated object and any watch namespaces to the flags, keeping the names", () => {
    const dir = mkdtempSync(join(cluster().dir, "helm-values-"));
    const defaults = run.template([]);
    const nameLabel = (o: KubeObject): string | undefined => o.metadata.labels?.["app.kubernetes.io/name"];
    const id = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/);
    const labelKey = fc.oneof(
      fc.stringMatching(/^[a-zA-Z0-9]([-_.a-zA-Z0-9]{0,20}[a-zA-Z0-9])?$/),
      fc.tuple(dnsLabel, dnsLabel).map(([a, b]) => `${a}.example/${b}`),
      fc.constant("app.kubernetes.io/name"),
    );
    const labelValue = fc.stringMatching(/^([a-zA-Z0-9]([-_.a-zA-Z0-9]{0,20}[a-zA-Z0-9])?)?$/);
    fc.assert(
      fc.property(fc.dictionary(labelKey, labelValue, { maxKeys: 4 }), fc.uniqueArray(dnsLabel, { maxLength: 3 }), (extraLabels, watchNamespaces) => {
        const file = join(dir, "values.yaml");
        // Quoted: Helm reads values as YAML 1.1, where a bare y or no is a boolean (as a key: "true").
        writeFileSync(file, stringify({ extraLabels, watchNamespaces }, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "QUOTE_DOUBLE" }));
        const objects = run.template(["--values", file]);
        const ids = objects.map(id);
        // All of the default objects (the cluster-wide binding is replaced by per-namespace ones when watching some).
        const replaced = watchNamespaces.length > 0 ? ["ClusterRoleBinding//kubectl-seal-controller"] : [];
        expect(ids).toEqual(expect.arrayContaining(defaults.map(id).filter((i) => !replaced.includes(i))));
        for (const o of objects) {
          const original = defaults.find((d) => id(d) === id(o));
          const name = original ? nameLabel(original) : "kubectl-seal-controller";
          const expected = o.kind === "CustomResourceDefinition" ? original?.metadata.labels : { ...extraLabels, "app.kubernetes.io/name": name };
          if (o.kind === "Namespace") Object.assign(expected ?? {}, { "pod-security.kubernetes.io/enforce": "restricted" });
          expect(o.metadata.labels, id(o)).toEqual(expected);
        }
        const spec = deployment(objects);
        expect(spec.selector).toEqual({ matchLabels: { "app.kubernetes.io/name": "kubectl-seal-controller" } });
        expect(spec.template.metadata.labels).toEqual({ ...extraLabels, "app.kubernetes.io/name": "kubectl-seal-controller" });
        const watch = controller(objects).args.filter((a) => a.startsWith("--watch-namespace="));
        expect(watch).toEqual(watchNamespaces.length === 0 ? [] : [`--watch-namespace=${watchNamespaces.join(",")}`]);
      }),
      { numRuns: 15 },
    );
  });

  it.each([
    [["--set", "logLevel=verbose"], "at '/logLevel': value must be one of 'debug', 'info', 'warn', 'error'"],
    [["--set", "keyRotationPeriod=monthly"], "at '/keyRotationPeriod': 'monthly' does not match pattern"],
    [["--set", "workers=0"], "at '/workers': minimum: got 0, want 1"],
    [["--set", "watchNamespaces={Shop_1}"], "at '/watchNamespaces/0': 'Shop_1' does not match pattern"],
    [["--set", "replica=3"], "additional properties 'replica' not allowed"],
    [["--set", "leaderElection.enabled=false"], "leaderElection.enabled=false needs replicas: 1"],
  ])("refuses %j: %s", (values, named) => {
    const result = run(["template", "kubectl-seal", CHART, "-n", "kubectl-seal", ...values]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(named);
    expect(result.stdout).toBe("");
  });

  it("refuses to take over a shared namespace such as default", () => {
    const result = run(["template", "kubectl-seal", CHART, "-n", "default"]);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("namespace default: the controller's keys need a namespace of their own");
  });
});
