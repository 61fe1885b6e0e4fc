package main

import (
	"context"
	"errors"
)

// runTriage implements 'sfleak triage'.
func runTriage(ctx context.Context, e *env, args []string) (int, error) {
	return exitError, errors.New("not implemented yet")
}
