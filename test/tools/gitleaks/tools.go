//go:build tools

// Package tools names the command this module builds, so that go.mod and go.sum pin it.
// gitleaks: the secret scanner `npm run bench` compares `kubectl seal scan --history` with.
package tools

import _ "github.com/zricethezav/gitleaks/v8"
