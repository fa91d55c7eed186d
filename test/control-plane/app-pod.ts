// An application Pod for the test node (node.ts): busybox from the node's pause image, no network, reading one key
// of a Secret as the environment variable VALUE and as the file /secret/<key>. It prints only sha256 hashes:
// "env <hash>" once, then "file <hash>" each time the file's content changes (a re-sealed value arriving).
// Used by the node tests (test/integration/helpers/node-pods.ts) and `npm run demo`.

export function appPod(namespace: string, name: string, secret: string, key: string, node: { name: string; images: { pause: string } }) {
  // Applets called through /bin/busybox: the image has nothing else (no PATH, no applet links).
  const script = `b=/bin/busybox
printf '%s' "$VALUE" | $b sha256sum | $b sed 's/ .*//; s/^/env /'
last=""
while true; do
  now=$($b sha256sum </secret/${key} | $b sed 's/ .*//')
  if [ "$now" != "$last" ]; then echo "file $now"; last=$now; fi
  $b sleep 1
done`;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace },
    spec: {
      nodeName: node.name,
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, runAsUser: 65535, seccompProfile: { type: "RuntimeDefault" } },
      terminationGracePeriodSeconds: 1,
      containers: [{
        name: "app",
        image: node.images.pause,
        imagePullPolicy: "Never",
        command: ["/bin/busybox", "sh", "-c", script],
        env: [{ name: "VALUE", valueFrom: { secretKeyRef: { name: secret, key } } }],
        volumeMounts: [{ name: "secret", mountPath: "/secret", readOnly: true }],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
      }],
      volumes: [{ name: "secret", secret: { secretName: secret } }],
    },
  };
}
