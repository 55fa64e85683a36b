package provider

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6/tf6server"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gcore-purge/terraform-provider-gcore/internal/tfrc"
)

// Driving the Terraform CLI by hand, for what resource.Test cannot do:
// interrupt an apply, or read every byte Terraform logged and wrote. The CLI
// is the one the harness's tests use (terraformPreCheck), with a CLI
// configuration of the test's own and no TF_* setting inherited.

// providerSource is the provider's address as configurations name it.
const providerSource = "gcore-purge/gcore"

// requiredProviders declares the provider; Terraform resolves the source on
// its default registry host, OpenTofu on its own.
const requiredProviders = `terraform {
  required_providers {
    gcore = {
      source = "` + providerSource + `"
    }
  }
}
`

// terraformCLI runs the CLI in a working directory of its own.
type terraformCLI struct {
	t   *testing.T
	bin string
	dir string
	env []string
}

// newTerraformCLI prepares a working directory and an environment: the
// process's, without its TF_*, CHECKPOINT_* and GCORE_* settings, then
// cliConfig as the CLI configuration, then env.
func newTerraformCLI(t *testing.T, cliConfig string, env ...string) *terraformCLI {
	t.Helper()
	c := &terraformCLI{t: t, bin: terraformPreCheck(t), dir: t.TempDir()}
	configFile := filepath.Join(c.dir, "cli.tfrc")
	if err := os.WriteFile(configFile, []byte(cliConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TF_") && !strings.HasPrefix(kv, "CHECKPOINT_") && !strings.HasPrefix(kv, "GCORE_") {
			c.env = append(c.env, kv)
		}
	}
	c.env = append(c.env, "TF_CLI_CONFIG_FILE="+configFile, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "NO_COLOR=1")
	c.env = append(c.env, env...)
	return c
}

// writeConfig writes the configuration main.tf.
func (c *terraformCLI) writeConfig(config string) {
	c.t.Helper()
	c.writeFile("main.tf", config)
}

// writeFile writes a file of the working directory.
func (c *terraformCLI) writeFile(name, content string) {
	c.t.Helper()
	if err := os.WriteFile(filepath.Join(c.dir, name), []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// command returns the CLI command for args (a subcommand, then its flags
// and arguments), writing its output to out.
func (c *terraformCLI) command(out io.Writer, args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{args[0], "-no-color"}, args[1:]...)...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = c.dir, c.env, out, out
	return cmd
}

// applyInterrupted starts terraform apply -auto-approve, waits (at most a
// minute) until ready reports true, then after pause sends it an interrupt,
// as Ctrl-C does, and waits (at most a minute) for it to end. It returns
// the apply's output, how long after the interrupt it ended, and its error.
func (c *terraformCLI) applyInterrupted(ready func() bool, pause time.Duration) (out string, took time.Duration, err error) {
	c.t.Helper()
	var buf bytes.Buffer
	apply := c.command(&buf, "apply", "-auto-approve")
	if err := apply.Start(); err != nil {
		c.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- apply.Wait() }()
	defer func() {
		if apply.ProcessState == nil {
			_ = apply.Process.Kill()
		}
	}()
	deadline := time.Now().Add(time.Minute)
	for !ready() {
		if time.Now().After(deadline) {
			c.t.Fatalf("terraform apply never got ready to interrupt:\n%s", buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(pause)
	if err := apply.Process.Signal(os.Interrupt); err != nil {
		c.t.Fatal(err)
	}
	interrupted := time.Now()
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		c.t.Fatalf("terraform apply did not end after the interrupt:\n%s", buf.String())
	}
	took = time.Since(interrupted)
	c.t.Logf("terraform apply ended %v after the interrupt", took)
	return buf.String(), took, err
}

// run runs the CLI and returns its output (standard output and error).
func (c *terraformCLI) run(args ...string) (string, error) {
	var out bytes.Buffer
	err := c.command(&out, args...).Run()
	return out.String(), err
}

// mustRun is run, failing the test when the command fails.
func (c *terraformCLI) mustRun(args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("terraform %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// file returns the content of a file of the working directory.
func (c *terraformCLI) file(name string) string {
	c.t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, name))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(b)
}

// devOverrides is a CLI configuration that runs the provider from dir, as a
// provider developer does, instead of installing it.
func devOverrides(dir string) string {
	return tfrc.DevOverrides(map[string]string{providerSource: dir})
}

// buildProvider builds the provider binary, as `go build` does for a user,
// into a directory for devOverrides; with -race when the tests run with it,
// so that the build reuses what the test build compiled.
func buildProvider(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	args := []string{"build", "-o", filepath.Join(dir, "terraform-provider-gcore")}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	cmd := exec.Command("go", append(args, "../..")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// serveProvider serves the harness's provider in this process, as a
// provider's debug mode does, and returns the TF_REATTACH_PROVIDERS setting
// that makes Terraform use it. The provider outlives each Terraform command,
// so a test can watch what it does after one ends; it stops with the test.
func (h *harness) serveProvider() string {
	h.t.Helper()
	host := cmp.Or(os.Getenv(resource.EnvTfAccProviderHost), "registry.terraform.io")
	address := host + "/" + providerSource
	ctx, cancel := context.WithCancel(context.Background())
	configCh := make(chan *plugin.ReattachConfig, 1)
	closed := make(chan struct{})
	served := make(chan error, 1)
	server, err := newMuxServer(h.provider())
	if err != nil {
		h.t.Fatal(err)
	}
	go func() {
		served <- tf6server.Serve(address, server,
			tf6server.WithDebug(ctx, configCh, closed),
			tf6server.WithGoPluginLogger(hclog.NewNullLogger()),
			tf6server.WithLoggingSink(h.t))
	}()
	h.t.Cleanup(func() {
		cancel()
		<-closed
	})
	var rc *plugin.ReattachConfig
	select {
	case rc = <-configCh:
	case err := <-served:
		h.t.Fatalf("serving the provider: %v", err)
	case <-time.After(30 * time.Second):
		h.t.Fatal("the provider did not start serving")
	}
	type addr struct{ Network, String string }
	reattach, err := json.Marshal(map[string]any{address: map[string]any{
		"Protocol": string(rc.Protocol), "ProtocolVersion": rc.ProtocolVersion, "Pid": rc.Pid, "Test": rc.Test,
		"Addr": addr{rc.Addr.Network(), rc.Addr.String()},
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	return "TF_REATTACH_PROVIDERS=" + string(reattach)
}
