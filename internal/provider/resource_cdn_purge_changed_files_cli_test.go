package provider

import (
	"cmp"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// v0State is a state written by the framework resource (schema version 0),
// by the provider at commit 7622a4a, against the simulator: four files, an
// index document, purged_urls a list.
const v0State = "testdata/state/changed_files_v0.tfstate"

// v0Files is the site of v0State, as HCL.
const v0Files = `{ "/index.html" = "1", "/docs/index.html" = "1", "/app.js" = "1", "/logo.png" = "1" }`

// planChange is the change of the site's resource in `terraform show -json`
// of a saved plan.
type planChange struct {
	Actions        []string       `json:"actions"`
	Before         map[string]any `json:"before"`
	After          map[string]any `json:"after"`
	AfterSensitive map[string]any `json:"after_sensitive"`
}

func (c *terraformCLI) siteChange(planFile string) planChange {
	c.t.Helper()
	var plan struct {
		ResourceChanges []struct {
			Address string     `json:"address"`
			Change  planChange `json:"change"`
		} `json:"resource_changes"`
	}
	if err := json.Unmarshal([]byte(c.mustRun("show", "-json", planFile)), &plan); err != nil {
		c.t.Fatal(err)
	}
	for _, rc := range plan.ResourceChanges {
		if rc.Address == siteAddress {
			return rc.Change
		}
	}
	c.t.Fatalf("the plan has no change of %s", siteAddress)
	return planChange{}
}

// TestAccCDNPurgeChangedFiles_upgradeFromVersion0: a state written by the
// framework resource upgrades without a purge: a plan finds nothing to
// change. A plan with -refresh=false finds, on a CLI that compares
// sensitivity marks, one update in place whose only change is purged_urls
// becoming sensitive (the state of version 0 marks nothing): the same
// values, the URLs recorded as "purged"; its apply sends nothing, and then
// nothing is left to plan. The next deploy purges exactly the changed file.
func TestAccCDNPurgeChangedFiles_upgradeFromVersion0(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	state, err := os.ReadFile(v0State)
	if err != nil {
		t.Fatal(err)
	}
	host := cmp.Or(os.Getenv(resource.EnvTfAccProviderHost), "registry.terraform.io")
	config := `  index_document = "index.html"`
	cli := h.planCLI(h.siteConfig(v0Files, config))
	cli.writeFile("terraform.tfstate", strings.ReplaceAll(string(state), "registry.terraform.io", host))

	// With the refresh, Terraform marks the upgraded state sensitive as the
	// schema says: nothing to change.
	if out, err := cli.run("plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("the plan after the upgrade is not empty: %v\n%s", err, out)
	}
	// Without it, the prior state keeps the marks of version 0, where
	// purged_urls was not sensitive: a CLI that compares the marks
	// (Terraform 1.8 does, 1.5 does not) plans one update in place, of the
	// mark only.
	out := cli.mustRun("plan", "-refresh=false", "-out=upgrade.tfplan")
	if strings.Contains(out, "No changes.") {
		cli.mustRun("apply", "-auto-approve") // writes the upgraded state
	} else {
		if !strings.Contains(out, "0 to add, 1 to change, 0 to destroy") {
			t.Fatalf("the plan without refresh is not the one update of purged_urls' sensitivity:\n%s", out)
		}
		change := cli.siteChange("upgrade.tfplan")
		wantURLs := map[string]any{"/": "purged", "/app.js": "purged", "/docs/": "purged", "/docs/index.html": "purged",
			"/index.html": "purged", "/logo.png": "purged"}
		if !reflect.DeepEqual(change.Before, change.After) || !reflect.DeepEqual(change.After["purged_urls"], wantURLs) ||
			change.After["purged_url_count"] != 6.0 || change.AfterSensitive["purged_urls"] != true {
			t.Fatalf("the update changes more than the sensitivity of purged_urls: %+v", change)
		}
		cli.mustRun("apply", "upgrade.tfplan")
	}
	h.expectPurges()
	if out, err := cli.run("plan", "-refresh=false", "-detailed-exitcode"); err != nil {
		t.Fatalf("a plan after the upgrade's apply is not empty: %v\n%s", err, out)
	}
	if !strings.Contains(cli.file("terraform.tfstate"), `"schema_version": 1`) {
		t.Error("the state was not written in version 1")
	}

	cli.writeConfig(requiredProviders + h.siteConfig(strings.Replace(v0Files, `"/app.js" = "1"`, `"/app.js" = "2"`, 1), config))
	cli.mustRun("apply", "-auto-approve")
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/app.js"]}`)
}

// TestAccCDNPurgeChangedFiles_upgradePurgesWhatVersion0Missed: the builds
// that wrote version 0 purged "/img/logo@2x.png" as "/img/logo%402x.png", a
// URL no browser requests; after the upgrade, the next plan purges that file
// again, under its right URL, and nothing else.
func TestAccCDNPurgeChangedFiles_upgradePurgesWhatVersion0Missed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	raw, err := os.ReadFile(v0State)
	if err != nil {
		t.Fatal(err)
	}
	// The same state, with one more file as version 0 recorded it.
	withFile := strings.NewReplacer(`"/app.js": "1",`, `"/app.js": "1", "/img/logo@2x.png": "1",`,
		`"/app.js",`, `"/app.js", "/img/logo%402x.png",`).Replace(string(raw))
	if withFile == string(raw) {
		t.Fatal("the file was not added to the state")
	}
	host := cmp.Or(os.Getenv(resource.EnvTfAccProviderHost), "registry.terraform.io")
	files := strings.Replace(v0Files, "{", `{ "/img/logo@2x.png" = "1",`, 1)
	cli := h.planCLI(h.siteConfig(files, `  index_document = "index.html"`))
	cli.writeFile("terraform.tfstate", strings.ReplaceAll(withFile, "registry.terraform.io", host))

	cli.mustRun("plan", "-out=upgrade.tfplan")
	change := cli.siteChange("upgrade.tfplan")
	if want := map[string]any{"/img/logo@2x.png": "changed"}; !reflect.DeepEqual(change.After["purged_urls"], want) {
		t.Fatalf("the plan after the upgrade purges %v, want %v", change.After["purged_urls"], want)
	}
	cli.mustRun("apply", "upgrade.tfplan")
	h.expectPurges("POST " + h.purgePath() + ` {"urls":["/img/logo@2x.png"]}`)
	if out, err := cli.run("plan", "-detailed-exitcode"); err != nil {
		t.Fatalf("a plan after the apply is not empty: %v\n%s", err, out)
	}
}

// TestAccCDNPurgeChangedFiles_planShowsTheURLs: the human-readable plan says
// how many URLs the apply purges and shows them as one line, however many;
// `terraform show -json` of the saved plan lists each with why. Planning
// sends nothing.
func TestAccCDNPurgeChangedFiles_planShowsTheURLs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, liveSimulator(simulator.Config{Limits: roomyLimits}))
	cli := h.planCLI(h.siteConfig(`{ "/a.js" = "1", "/docs/index.html" = "1" }`, `index_document = "index.html"`))
	out := cli.mustRun("plan", "-out=site.tfplan")
	if !regexp.MustCompile(`purged_url_count\s+= 3\n`).MatchString(out) ||
		!regexp.MustCompile(`purged_urls\s+= \(sensitive value\)\n`).MatchString(out) {
		t.Errorf("the plan does not say how many URLs, in one line:\n%s", out)
	}
	change := cli.siteChange("site.tfplan")
	want := map[string]any{"/a.js": "created", "/docs/": "index_document", "/docs/index.html": "created"}
	if !reflect.DeepEqual(change.After["purged_urls"], want) || !slices.Equal(change.Actions, []string{"create"}) {
		t.Errorf("show -json of the plan: %v %v, want %v", change.Actions, change.After["purged_urls"], want)
	}
	h.expectPurges()
}
