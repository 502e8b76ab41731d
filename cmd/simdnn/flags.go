package main

import (
	"errors"
	"flag"
	"fmt"
)

// errUsage reports a command line that the flag package or a command
// already explained on stderr; main exits with status 2 for it.
var errUsage = errors.New("usage error")

// errHelp reports that -h printed the usage; main exits with status 0.
var errHelp = errors.New("help requested")

// parseFlags parses args into fs. It returns errHelp after -h and errUsage
// after an invalid flag, both of which the flag package has explained.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return errHelp
	}
	if err != nil {
		return errUsage
	}
	return nil
}

// usageError prints a message and the command's usage, then returns
// errUsage.
func usageError(fs *flag.FlagSet, format string, args ...any) error {
	fmt.Fprintf(fs.Output(), "simdnn %s: %s\n", fs.Name(), fmt.Sprintf(format, args...))
	fs.Usage()
	return errUsage
}
