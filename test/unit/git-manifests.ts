// Manifests for the Git store tests. Every secret value is one of SECRET_VALUES, so tests can grep for leaks.
export const SECRET_VALUES = ["hunter2-Pa55", "s3cr3t-t0ken", "dXNlcm5hbWUtdmFs", "literal-LEAK-value", "from-list-VALUE"];

export const secretManifests: Record<string, string> = {
  "apps/db/secret.yaml": `apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: prod
data:
  username: dXNlcm5hbWUtdmFs
stringData:
  password: hunter2-Pa55
`,
  "apps/multi.yaml": `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: fast}
---
# nothing here
---
apiVersion: v1
kind: Secret
metadata: {name: api-token}
stringData:
  token: s3cr3t-t0ken
`,
  "apps/list.json": JSON.stringify({
    apiVersion: "v1",
    kind: "List",
    items: [
      { apiVersion: "v1", kind: "Service", metadata: { name: "svc" } },
      { apiVersion: "v1", kind: "Secret", metadata: { name: "from-list" }, stringData: { token: "from-list-VALUE" } },
    ],
  }),
  "overlays/prod/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources: [../../apps/db]
secretGenerator:
  - name: app-literals
    literals:
      - DB_PASSWORD=literal-LEAK-value
      - API_KEY=literal-LEAK-value
  - name: app-env
    envs: [secrets.env]
  - name: app-files
    files: [tls.crt, tls.key=keys/server.key]
`,
};

export const SEALED_SECRET = `apiVersion: seal.dev/v1alpha1
kind: SealedSecret
metadata: {name: db-credentials, namespace: prod}
spec:
  scope: strict
  encryptedData:
    password: YWdlLWVuY3J5cHRpb24ub3JnL3Yx
  sealedTo:
    password: [k1]
`;
