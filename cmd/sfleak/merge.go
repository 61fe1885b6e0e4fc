package main

import (
	"context"
	"errors"
)

// runMerge implements 'sfleak merge'.
func runMerge(ctx context.Context, e *env, args []string) (int, error) {
	return exitError, errors.New("not implemented yet")
}
