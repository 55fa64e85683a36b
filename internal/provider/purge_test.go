package provider

import (
	"context"
	"reflect"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// TestPurgeArguments_purgeAllOnlyFromPurgeAll: the body comes from the one
// argument set, and only purge_all = true purges everything. Arguments that
// name nothing (which validation refuses before this is reached) are an
// error, not a purge-all: Terraform cannot send them, so the function is
// called directly.
func TestPurgeArguments_purgeAllOnlyFromPurgeAll(t *testing.T) {
	t.Parallel()
	set := func(items ...string) types.Set {
		s, diags := types.SetValueFrom(context.Background(), types.StringType, items)
		if diags.HasError() {
			t.Fatal(diags)
		}
		return s
	}
	none := types.SetNull(types.StringType)
	cases := []struct {
		name string
		args purgeArguments
		want *scheduler.Job // nil: an error, nothing to send
	}{
		{"urls, sorted", purgeArguments{URLs: set("/b.js", "/a.js"), Paths: none, PurgeAll: types.BoolNull()},
			&scheduler.Job{Kind: scheduler.PurgeByURL, Items: []string{"/a.js", "/b.js"}}},
		{"paths, sorted", purgeArguments{URLs: none, Paths: set("/img/*", "/css/*"), PurgeAll: types.BoolNull()},
			&scheduler.Job{Kind: scheduler.PurgeByPattern, Items: []string{"/css/*", "/img/*"}}},
		{"purge_all = true", purgeArguments{URLs: none, Paths: none, PurgeAll: types.BoolValue(true)},
			&scheduler.Job{Kind: scheduler.PurgeAll}},
		{"nothing set", purgeArguments{URLs: none, Paths: none, PurgeAll: types.BoolNull()}, nil},
		{"purge_all = false", purgeArguments{URLs: none, Paths: none, PurgeAll: types.BoolValue(false)}, nil},
		{"empty urls", purgeArguments{URLs: set(), Paths: none, PurgeAll: types.BoolNull()}, nil},
		{"empty paths", purgeArguments{URLs: none, Paths: set(), PurgeAll: types.BoolNull()}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, diags := c.args.job(context.Background(), 0)
			switch {
			case c.want == nil && (!diags.HasError() || diags[0].Summary() != "Nothing to purge"):
				t.Errorf("got %+v, %v; want the error Nothing to purge", got, diags)
			case c.want != nil && (diags.HasError() || !reflect.DeepEqual(got, *c.want)):
				t.Errorf("got %+v, %v; want %+v", got, diags, *c.want)
			}
		})
	}
}
