package provider

import (
	"context"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework-validators/datasourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

var (
	_ datasource.DataSource                     = (*cdnResourceDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*cdnResourceDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*cdnResourceDataSource)(nil)
)

// cdnResourceDataSource reads one CDN resource, by its ID or its delivery
// domain, with one GET, shared with the purges of the same run that name it.
type cdnResourceDataSource struct {
	data *providerData
}

func newCDNResourceDataSource() datasource.DataSource { return &cdnResourceDataSource{} }

type cdnResourceModel struct {
	ID                 types.Number `tfsdk:"id"`
	CName              types.String `tfsdk:"cname"`
	SecondaryHostnames types.List   `tfsdk:"secondary_hostnames"`
	Active             types.Bool   `tfsdk:"active"`
	Status             types.String `tfsdk:"status"`
	Deleted            types.Bool   `tfsdk:"deleted"`
	CanPurgeByURLs     types.Bool   `tfsdk:"can_purge_by_urls"`
}

func (d *cdnResourceDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_cdn_resource"
}

func (d *cdnResourceDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a Gcore CDN resource by its ID or its delivery domain, with one request: its ID for " +
			"`resource_id`, its domains, whether it is active and whether it can purge by URL, before choosing URLs or " +
			"patterns. Works beside Gcore's official provider, whose `gcore_cdn_resource` data source needs the ID.",
		Attributes: map[string]schema.Attribute{
			"id": schema.NumberAttribute{
				MarkdownDescription: "ID of the CDN resource. Exactly one of `id` and `cname` is required.",
				Optional:            true,
				Computed:            true,
				Validators:          resourceIDValidators(),
			},
			"cname": schema.StringAttribute{
				MarkdownDescription: "The delivery domain of the CDN resource. " + targetCNameDescription,
				Optional:            true,
				Computed:            true,
				Validators:          cnameValidators(),
			},
			"secondary_hostnames": schema.ListAttribute{
				MarkdownDescription: "The CDN resource's other delivery domains.",
				ElementType:         types.StringType,
				Computed:            true,
			},
			"active": schema.BoolAttribute{
				MarkdownDescription: "Whether the CDN resource delivers content; null when the API does not say.",
				Computed:            true,
			},
			"status": schema.StringAttribute{
				MarkdownDescription: "`active`, `suspended` (no content is delivered: Gcore suspends a CDN resource without " +
					"traffic for 90 days), `processed` (recently created, still reaching every location) or `deleted`.",
				Computed: true,
			},
			"deleted": schema.BoolAttribute{
				MarkdownDescription: "Whether the CDN resource was deleted (only when read by `id`: a deleted CDN resource is " +
					"never found by `cname`).",
				Computed: true,
			},
			"can_purge_by_urls": schema.BoolAttribute{
				MarkdownDescription: "Whether a purge by URL works on the CDN resource (Gcore allows it only with its " +
					"`ignore_vary_header` option on); null when the API does not say. Purge by pattern works on every CDN resource.",
				Computed: true,
			},
		},
	}
}

func (d *cdnResourceDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{datasourcevalidator.ExactlyOneOf(path.MatchRoot("id"), path.MatchRoot("cname"))}
}

func (d *cdnResourceDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, diags := configuredData(req.ProviderData)
	resp.Diagnostics.Append(diags...)
	d.data = data
}

func (d *cdnResourceDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m cdnResourceModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &m)...); resp.Diagnostics.HasError() {
		return
	}
	if d.data == nil {
		resp.Diagnostics.Append(notConfigured())
		return
	}
	if resp.Diagnostics.Append(d.data.requireAPIKey()...); resp.Diagnostics.HasError() {
		return
	}
	ctx = d.data.mask(ctx)
	var res gcoreapi.CDNResource
	var err error
	if m.CName.IsNull() {
		res, err = d.data.cdnResources.Get(ctx, wholeNumber(m.ID))
	} else {
		res, err = d.data.resourceNamed(ctx, m.CName.ValueString())
	}
	if err != nil {
		if named, ok := err.(*namingError); ok {
			resp.Diagnostics.AddAttributeError(path.Root("cname"), named.summary, named.detail)
			return
		}
		failure := requestFailure{noun: "read", afterwards: "Nothing was read."}
		resp.Diagnostics.Append(failure.diagnostics(err, wholeNumber(m.ID))...)
		return
	}
	m.ID = types.NumberValue(new(big.Float).SetInt64(res.ID))
	m.CName = types.StringValue(res.CName)
	hostnames, diags := types.ListValueFrom(ctx, types.StringType, append([]string{}, res.SecondaryHostnames...))
	resp.Diagnostics.Append(diags...)
	m.SecondaryHostnames = hostnames
	m.Active = types.BoolPointerValue(res.Active)
	m.Status = types.StringNull()
	if res.Status != "" {
		m.Status = types.StringValue(string(res.Status))
	}
	m.Deleted = types.BoolValue(res.Gone())
	m.CanPurgeByURLs = types.BoolPointerValue(res.CanPurgeByURLs)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
