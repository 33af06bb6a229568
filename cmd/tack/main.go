// Command tack is the CLI: it reads flags and the environment, runs a
// command, and renders what the command returns. It holds no logic of its
// own beyond that.
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/cli"
)

// version is tack's release, reported by `tack version` and sent to
// providers in ConfigureProvider.
const version = "0.1.0"

func main() {
	limitMemory(os.Getenv)
	stopProfile := startCPUProfile(os.Getenv("TACK_CPUPROFILE"), os.Stderr)
	stdout := newStdoutWriter(os.Stdout)
	// A panic in this goroutine still shows what was printed before it.
	defer stdout.Flush()
	status := run(os.Args[1:], stdout, afterFlush{w: os.Stderr, flush: stdout.Flush}, os.Getenv)
	stdout.Flush()
	stopProfile()
	os.Exit(status)
}

// env is the one place the process environment is read from, passed down
// so tests can set it.
type env func(string) string

// run runs one tack command and returns the exit status.
func run(args []string, stdout, stderr io.Writer, getenv env) int {
	ui := &cli.BasicUi{Writer: stdout, ErrorWriter: stderr}
	meta := &meta{ui: ui, stdout: stdout, stderr: stderr, stdin: os.Stdin, getenv: getenv}
	args, err := globalOptions(args, getenv)
	if err != nil {
		ui.Error("Error: " + err.Error())
		return 1
	}
	c := &cli.CLI{
		Name:        "tack",
		Version:     version,
		Args:        args,
		HelpWriter:  stdout,
		ErrorWriter: stderr,
		Commands: map[string]cli.CommandFactory{
			"fmt":              func() (cli.Command, error) { return &fmtCommand{meta: meta}, nil },
			"plan":             func() (cli.Command, error) { return &planCommand{meta}, nil },
			"apply":            func() (cli.Command, error) { return &applyCommand{meta: meta}, nil },
			"destroy":          func() (cli.Command, error) { return &applyCommand{meta: meta, destroy: true}, nil },
			"show":             func() (cli.Command, error) { return &showCommand{meta}, nil },
			"output":           func() (cli.Command, error) { return &outputCommand{meta}, nil },
			"import":           func() (cli.Command, error) { return &importCommand{meta}, nil },
			"rollback":         func() (cli.Command, error) { return &rollbackCommand{meta}, nil },
			"approve":          func() (cli.Command, error) { return &approveCommand{meta}, nil },
			"veto":             func() (cli.Command, error) { return &vetoCommand{meta}, nil },
			"pin":              func() (cli.Command, error) { return &pinCommand{meta}, nil },
			"graph":            func() (cli.Command, error) { return &graphCommand{meta}, nil },
			"init":             func() (cli.Command, error) { return &initCommand{meta}, nil },
			"version":          func() (cli.Command, error) { return &versionCommand{meta}, nil },
			"providers":        func() (cli.Command, error) { return &providersCommand{meta}, nil },
			"providers schema": func() (cli.Command, error) { return &providersSchemaCommand{meta: meta}, nil },
			"validate":         func() (cli.Command, error) { return &validateCommand{meta}, nil },
			"force-unlock":     func() (cli.Command, error) { return &forceUnlockCommand{meta}, nil },
			"state":            func() (cli.Command, error) { return &stateCommand{meta}, nil },
			"state list":       func() (cli.Command, error) { return &stateListCommand{meta}, nil },
			"state show":       func() (cli.Command, error) { return &stateShowCommand{meta}, nil },
			"state mv":         func() (cli.Command, error) { return &stateMvCommand{meta}, nil },
			"state rm":         func() (cli.Command, error) { return &stateRmCommand{meta}, nil },
			"state pull":       func() (cli.Command, error) { return &statePullCommand{meta}, nil },
			"state push":       func() (cli.Command, error) { return &statePushCommand{meta}, nil },
		},
	}
	status, err := c.Run()
	if err != nil {
		ui.Error("Error: " + err.Error())
		return 1
	}
	return status
}

// globalOptions applies -chdir=DIR (which must come before the command)
// and inserts the arguments of TACK_CLI_ARGS and TACK_CLI_ARGS_<command>
// after the command's name, as if typed first.
func globalOptions(args []string, getenv env) ([]string, error) {
	for len(args) > 0 && strings.HasPrefix(args[0], "-chdir=") {
		dir := strings.TrimPrefix(args[0], "-chdir=")
		if err := os.Chdir(dir); err != nil {
			return nil, fmt.Errorf("-chdir: %w", err)
		}
		args = args[1:]
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return args, nil
	}
	// The command may be two words ("providers schema"); extra
	// arguments go after the first.
	var extra []string
	for _, name := range []string{"TACK_CLI_ARGS", "TACK_CLI_ARGS_" + args[0]} {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			extra = append(extra, strings.Fields(v)...)
		}
	}
	if len(extra) == 0 {
		return args, nil
	}
	out := append([]string{args[0]}, extra...)
	return append(out, args[1:]...), nil
}
