// Command gcore-official-stub stands in for Gcore's official provider
// (registry.terraform.io/G-Core/gcore) when scripts/check-examples.sh
// validates the example that uses both providers in one configuration: that
// provider cannot be downloaded where the checks run.
//
// It serves a schema, nothing more: the provider's api_key and the few
// attributes of gcore_cdn_resource that the example sets, as Gcore documents
// them for provider 2.x. It has no gcore_cdn_purge, so a purge that is not
// routed to this project's provider with `provider = ...` fails validation,
// which is what the check is for. It never creates anything.
package main

import (
	"context"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	providerschema "github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

func main() {
	err := providerserver.Serve(context.Background(), func() provider.Provider { return stubProvider{} }, providerserver.ServeOpts{
		Address: "registry.terraform.io/G-Core/gcore",
	})
	if err != nil {
		log.Fatal(err)
	}
}

type stubProvider struct{}

func (stubProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gcore"
}

func (stubProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = providerschema.Schema{
		Attributes: map[string]providerschema.Attribute{
			"api_key": providerschema.StringAttribute{Optional: true, Sensitive: true},
		},
	}
}

func (stubProvider) Configure(context.Context, provider.ConfigureRequest, *provider.ConfigureResponse) {
}

func (stubProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{func() resource.Resource { return cdnResource{} }}
}

func (stubProvider) DataSources(context.Context) []func() datasource.DataSource { return nil }

// cdnResource is the schema of gcore_cdn_resource, reduced to what the
// example uses; validation is all it is for.
type cdnResource struct{}

func (cdnResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_resource"
}

func (cdnResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":           schema.Int64Attribute{Computed: true},
			"cname":        schema.StringAttribute{Required: true},
			"origin_group": schema.Int64Attribute{Optional: true},
		},
	}
}

func (cdnResource) Create(_ context.Context, _ resource.CreateRequest, resp *resource.CreateResponse) {
	resp.Diagnostics.AddError("Stub provider", "This stub only validates configurations; it creates nothing.")
}

func (cdnResource) Read(context.Context, resource.ReadRequest, *resource.ReadResponse) {}

func (cdnResource) Update(context.Context, resource.UpdateRequest, *resource.UpdateResponse) {}

func (cdnResource) Delete(context.Context, resource.DeleteRequest, *resource.DeleteResponse) {}
