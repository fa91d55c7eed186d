//go:build tools

// Package tools names the command this module builds, so that go.mod and go.sum pin it.
// helm: the chart in charts/kubectl-seal is linted, rendered and installed with the real Helm.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
