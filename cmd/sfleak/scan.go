package main

import (
	"context"
	"errors"
)

// runScan implements 'sfleak scan'.
func runScan(ctx context.Context, e *env, args []string) (int, error) {
	return exitError, errors.New("not implemented yet")
}
