//go:build tools

// Package tools names the commands this module builds, so that go.mod and go.sum pin them.
// krew, the kubectl plugin manager: the tests install kubectl-seal's release archive with it, and check the
// generated plugins/seal.yaml with its own manifest validator.
package tools

import (
	_ "sigs.k8s.io/krew/cmd/krew"
	_ "sigs.k8s.io/krew/cmd/validate-krew-manifest"
)
