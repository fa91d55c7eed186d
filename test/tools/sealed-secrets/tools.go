//go:build tools

// Package tools names the commands this module builds, so that go.mod and go.sum pin them.
// Bitnami Sealed Secrets, the incumbent: its controller and kubeseal, for the migration tests and the benchmark.
// v0.40.0's go.mod declares `module github.com/bitnami/sealed-secrets` while the proxy serves it as
// github.com/bitnami-labs/sealed-secrets, so go.mod requires the declared path and replaces it with the served one.
package tools

import (
	_ "github.com/bitnami/sealed-secrets/cmd/controller"
	_ "github.com/bitnami/sealed-secrets/cmd/kubeseal"
)
