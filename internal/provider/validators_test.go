package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/simulator"
)

// The validators must never pass what the simulator refuses: the simulator
// plays the API in every recording, by the rules of Gcore's API reference,
// so a string the validators pass but the simulator refuses would be one the
// provider sends and the API refuses. The reverse is by design: the
// validators are stricter than the API (white space, dot segments...).

// validateItems runs the schema's validators of urls or paths on items, as
// Terraform would at plan time.
func validateItems(t *testing.T, attr string, validators []validator.Set, items []string) diag.Diagnostics {
	t.Helper()
	ctx := context.Background()
	set, diags := types.SetValueFrom(ctx, types.StringType, items)
	if diags.HasError() {
		t.Fatalf("building the set: %v", diags)
	}
	for _, v := range validators {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, validator.SetRequest{Path: path.Root(attr), PathExpression: path.MatchRoot(attr), ConfigValue: set}, resp)
		diags.Append(resp.Diagnostics...)
	}
	return diags
}

// simulatorStatus is the simulator's answer to p, sent as the provider's
// client encodes it, to a fresh simulator (so no rate limit interferes).
func simulatorStatus(t *testing.T, p gcoreapi.Purge) int {
	t.Helper()
	sim, err := simulator.New(simulator.Config{APIKeys: []string{simulatorKey}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodPost, "/cdn/resources/1/purge", bytes.NewReader(body))
	r.Header.Set("Authorization", "APIKey "+simulatorKey)
	w := httptest.NewRecorder()
	sim.ServeHTTP(w, r)
	return w.Code
}

// purgeModes are the two purges that carry items, with their validators.
var purgeModes = []struct {
	attr       string
	typ        gcoreapi.PurgeType
	validators func() []validator.Set
}{
	{"urls", gcoreapi.PurgeByURL, urlsValidators},
	{"paths", gcoreapi.PurgeByPattern, pathsValidators},
}

// FuzzValidatorsAgreeWithSimulator: a string the plan-time validators of
// urls (of paths) accept is one the simulator answers 201 to in a purge by
// URL (by pattern).
func FuzzValidatorsAgreeWithSimulator(f *testing.F) {
	for _, s := range []string{
		"", " ", "/", "/a.js", "a.js", "/img/*", "/img/*/x", "*", "/a b", "/a\tb", "/\u00a0", "/\u2028", "/\x00", "/\x7f",
		"//cdn.example.com/a", "https://cdn.example.com/a?b", "///a", "/ünïcödé", "/%E2%9C%93", "/a?q=<&>\"",
		"/\xff", "\xff", "null", `"/a"`, "/" + strings.Repeat("é", 3000),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, item string) {
		for _, m := range purgeModes {
			diags := validateItems(t, m.attr, m.validators(), []string{item})
			status := simulatorStatus(t, gcoreapi.Purge{Type: m.typ, Items: []string{item}})
			if !diags.HasError() && status != http.StatusCreated {
				t.Fatalf("%s = [%q]: the validators accept it, the simulator answers %d", m.attr, item, status)
			}
		}
	})
}

// TestValidatorsAgreeWithSimulatorOnCounts: the same at the limits of the
// number of items. One disagreement is by design: the validators refuse an
// empty paths (purging everything must be written purge_all = true), while
// {"paths": []} is how the API is asked to purge everything, so the
// provider sends it only for purge_all.
func TestValidatorsAgreeWithSimulatorOnCounts(t *testing.T) {
	t.Parallel()
	items := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("/f%d", i)
		}
		return out
	}
	for _, m := range purgeModes {
		limit := gcoreapi.MaxURLsPerRequest
		if m.typ == gcoreapi.PurgeByPattern {
			limit = gcoreapi.MaxPatternsPerRequest
		}
		for _, n := range []int{0, 1, limit, limit + 1} {
			diags := validateItems(t, m.attr, m.validators(), items(n))
			status := simulatorStatus(t, gcoreapi.Purge{Type: m.typ, Items: items(n)})
			if m.attr == "paths" && n == 0 {
				if !diags.HasError() || status != http.StatusCreated {
					t.Errorf("empty paths: the validators say %v, the simulator answers %d; want a refusal and the purge-all", diags, status)
				}
				continue
			}
			if !diags.HasError() != (status == http.StatusCreated) {
				t.Errorf("%d %s: the validators say %v, the simulator answers %d", n, m.attr, diags, status)
			}
		}
	}
}
