package main

import (
	"context"
	"fmt"

	"github.com/sfleak/sfleak"
)

func runVersion(ctx context.Context, e *env, args []string) (int, error) {
	fmt.Fprintf(e.stdout, "sfleak %s\n", sfleak.Version)
	return exitOK, nil
}
