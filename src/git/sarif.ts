// `scan -o sarif`: the report as SARIF 2.1.0, the format GitHub code scanning (and other dashboards) upload. Like
// every other output it carries names, paths, lines and key names, never a value; fingerprints hash only those.
import { createHash } from "node:crypto";
import type { PlaintextFinding } from "./plaintext.js";
import type { ScanReport } from "./scan.js";

const RULES = [
  {
    id: "plaintext-secret",
    name: "PlaintextKubernetesSecret",
    shortDescription: { text: "Plaintext Kubernetes Secret" },
    fullDescription: { text: "A kind: Secret manifest (apiVersion v1) with values in data or stringData is committed in plaintext." },
    help: {
      text: "Seal the Secret with `kubectl seal FILE -w sealed.yaml`, commit the SealedSecret instead, and rotate the values: anyone with a clone can read them.",
    },
  },
  {
    id: "plaintext-secret-generator",
    name: "PlaintextSecretGenerator",
    shortDescription: { text: "kustomize secretGenerator with plaintext values" },
    fullDescription: { text: "A kustomize secretGenerator reads its values from literals or from files committed to the repository." },
    help: { text: "Move the values into a SealedSecret (`kubectl seal --from-literal ...`) and remove the literals or files from Git; rotate them." },
  },
] as const;

type RuleId = (typeof RULES)[number]["id"];

function ruleOf(finding: PlaintextFinding): RuleId {
  return finding.kind === "Secret" ? "plaintext-secret" : "plaintext-secret-generator";
}

function describe(finding: PlaintextFinding): string {
  const what = finding.kind === "Secret" ? "Secret" : `secretGenerator (${finding.via ?? "literals"})`;
  const name = [finding.namespace, finding.name].filter((part) => part !== undefined).join("/") || "(unnamed)";
  const keys = finding.keys.length > 0 ? ` for keys ${finding.keys.join(", ")}` : "";
  const from = finding.references ? ` read from ${finding.references.join(", ")}` : "";
  const placeholders = finding.placeholdersOnly ? " (every value is empty or a placeholder)" : "";
  const commit = finding.commit ? ` in commit ${finding.commit}` : "";
  return `${what} ${name} holds plaintext values${keys}${from}${placeholders}${commit}: seal it with kubectl seal and rotate the values.`;
}

/** Stable across runs and line moves: the rule, file, document and object identity (never a value). */
function fingerprint(finding: PlaintextFinding): string {
  const identity = [ruleOf(finding), finding.path, finding.document, finding.item ?? "", finding.namespace ?? "", finding.name ?? "", finding.keys.join(",")];
  return createHash("sha256").update(JSON.stringify(identity)).digest("hex");
}

export function toSarif(report: ScanReport): object {
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "kubectl-seal",
            rules: RULES.map((rule) => ({
              ...rule,
              defaultConfiguration: { level: "error" },
              properties: { tags: ["security", "secrets", "kubernetes"], "security-severity": "8.0" },
            })),
          },
        },
        automationDetails: { id: `kubectl-seal/scan/${report.source}/` },
        results: report.findings.map((finding) => {
          const ruleId = ruleOf(finding);
          return {
            ruleId,
            ruleIndex: RULES.findIndex((rule) => rule.id === ruleId),
            level: "error",
            message: { text: describe(finding) },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: finding.path, uriBaseId: "%SRCROOT%" },
                  region: { startLine: finding.line },
                },
              },
            ],
            partialFingerprints: { "kubectlSealFinding/v1": fingerprint(finding) },
            ...(finding.commit ? { properties: { commit: finding.commit } } : {}),
          };
        }),
      },
    ],
  };
}
