{{/*
Labels of one object: its app.kubernetes.io/name, as in manifests/, plus .Values.extraLabels, which cannot replace
the name (the Deployment's selector and the Service select on it).
  include "kubectl-seal.labels" (list $ "kubectl-seal-controller")
*/}}
{{- define "kubectl-seal.labels" -}}
{{- $root := index . 0 -}}
{{- toYaml (merge (dict "app.kubernetes.io/name" (index . 1)) $root.Values.extraLabels) -}}
{{- end -}}

{{/* The controller image: image.tag, or the chart's appVersion. */}}
{{- define "kubectl-seal.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
