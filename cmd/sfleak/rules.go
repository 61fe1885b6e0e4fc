package main

import (
	"context"
	"errors"
)

// runRules implements 'sfleak rules'.
func runRules(ctx context.Context, e *env, args []string) (int, error) {
	return exitError, errors.New("not implemented yet")
}
