package main

import (
	"context"
	"errors"
)

// runSweep implements 'sfleak sweep'.
func runSweep(ctx context.Context, e *env, args []string) (int, error) {
	return exitError, errors.New("not implemented yet")
}
