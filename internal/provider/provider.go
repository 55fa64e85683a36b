// Package provider is the Terraform glue of the gcore provider: its schema
// and configuration, its resources and its actions. Talking to the API and
// scheduling purges live in packages of their own.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/completion"
	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// RegistryAddress is where users find the provider: source = "gcore-purge/gcore".
const RegistryAddress = "registry.terraform.io/gcore-purge/gcore"

// Environment variables read when the matching attribute is not set; the same
// names Gcore's own SDK and provider use.
const (
	envAPIKey  = "GCORE_API_KEY"
	envBaseURL = "GCORE_BASE_URL"
)

var (
	_ provider.Provider            = (*gcoreProvider)(nil)
	_ provider.ProviderWithActions = (*gcoreProvider)(nil)
)

type gcoreProvider struct {
	version string
	// httpClient carries every API request; nil means a default client. Tests
	// inject a recording or replaying client here, never through the schema.
	httpClient *http.Client
	// schedulerOptions tune the purge scheduler (attempt timeout, backoff);
	// the zero value means its defaults. Only tests set it, to make faults
	// quick to play out; it is never read from the schema.
	schedulerOptions scheduler.Options
}

// New returns the provider factory that main serves.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &gcoreProvider{version: version}
	}
}

type providerModel struct {
	APIKey     types.String `tfsdk:"api_key"`
	BaseURL    types.String `tfsdk:"base_url"`
	PlanChecks types.Bool   `tfsdk:"plan_checks"`
}

func (p *gcoreProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "gcore"
	resp.Version = p.version
}

func (p *gcoreProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Purges Gcore CDN caches from Terraform. Works beside Gcore's official `G-Core/gcore` provider.",
		Attributes: map[string]schema.Attribute{
			"api_key": schema.StringAttribute{
				MarkdownDescription: "Gcore API key (permanent API token). Falls back to the `" + envAPIKey + "` environment variable. " +
					"Only needed when a purge is sent: a configuration validates without it.",
				Optional:  true,
				Sensitive: true,
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Gcore API. Falls back to the `" + envBaseURL + "` environment variable, then to `" +
					gcoreapi.DefaultBaseURL + "`. Must be an absolute http(s) URL; a trailing slash is fine.",
				Optional:   true,
				Validators: []validator.String{absoluteHTTPURL()},
			},
			"plan_checks": schema.BoolAttribute{
				MarkdownDescription: "Whether a plan that purges reads the CDN resource from the API (once per CDN resource, " +
					"at most 5 seconds), so that an unknown `resource_id`, a revoked key or an unreachable `base_url` fails the " +
					"plan instead of the apply. Falls back to the `" + envPlanChecks + "` environment variable, then `true`; " +
					"set `false` for plans that must run offline.",
				Optional: true,
			},
		},
	}
}

func (p *gcoreProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	var config providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.APIKey.IsUnknown() || config.BaseURL.IsUnknown() {
		// Known only after other resources are applied; Terraform configures the
		// provider again, with known values, before any purge is sent.
		return
	}

	baseURL := settingWithFallback(config.BaseURL, envBaseURL, gcoreapi.DefaultBaseURL)
	apiKey := settingWithFallback(config.APIKey, envAPIKey, "")
	planChecks, err := planChecksSetting(config.PlanChecks)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("plan_checks"), "Invalid "+envPlanChecks, err.Error())
		return
	}

	client, err := gcoreapi.New(gcoreapi.Config{
		BaseURL:    baseURL,
		APIKey:     apiKey,
		UserAgent:  fmt.Sprintf("terraform-provider-gcore/%s terraform/%s", p.version, req.TerraformVersion),
		HTTPClient: p.httpClient,
	})
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid Gcore API base URL",
			fmt.Sprintf("%s. Set base_url (or %s) to an absolute http(s) URL such as %s, or leave both unset.", err, envBaseURL, gcoreapi.DefaultBaseURL))
		return
	}

	// One scheduler per provider instance: every purge of this run shares its
	// view of the rate limits, and purges waiting together share requests.
	opts := p.schedulerOptions
	opts.Log = logInfo
	data := &providerData{
		apiKey: apiKey, scheduler: scheduler.New(client, opts),
		planChecks: planChecks, cdnResources: newCDNResources(client.CDNResource),
		completion: completion.New(client, p.schedulerOptions.Clock),
	}
	tflog.Info(data.mask(ctx), "configured the Gcore API client", map[string]any{"base_url": baseURL, "api_key_set": apiKey != ""})
	resp.ResourceData = data
	resp.ActionData = data
}

// settingWithFallback returns the attribute when set, else the environment
// variable when set, else def.
func settingWithFallback(attr types.String, env, def string) string {
	if !attr.IsNull() {
		return attr.ValueString()
	}
	if v := os.Getenv(env); v != "" {
		return v
	}
	return def
}

// planChecksSetting is plan_checks when set, else GCORE_PLAN_CHECKS when
// set, else true.
func planChecksSetting(attr types.Bool) (bool, error) {
	if !attr.IsNull() {
		return attr.ValueBool(), nil
	}
	env := os.Getenv(envPlanChecks)
	if env == "" {
		return true, nil
	}
	on, err := strconv.ParseBool(env)
	if err != nil {
		return false, fmt.Errorf("%s=%q is not a boolean: set it to true or false, or unset it", envPlanChecks, env)
	}
	return on, nil
}

// providerData is what Configure hands to the resources and actions: the purge
// scheduler, the plan-time checks and the key, so that the key can be masked
// in every log line.
type providerData struct {
	apiKey       string
	scheduler    *scheduler.Scheduler
	planChecks   bool
	cdnResources *cdnResources
	// completion waits for purges in the purge history; it pairs with
	// scheduler, whose request numbers it keeps apart.
	completion *completion.Waiter
}

// configuredData is what the provider's Configure handed to a resource or an
// action: nil before the provider is configured (validation runs earlier).
func configuredData(from any) (*providerData, diag.Diagnostics) {
	var diags diag.Diagnostics
	if from == nil {
		return nil, diags
	}
	data, ok := from.(*providerData)
	if !ok {
		diags.AddError("Unexpected provider data", fmt.Sprintf("expected *providerData, got %T; please report this issue", from))
	}
	return data, diags
}

func notConfigured() diag.Diagnostic {
	return diag.NewErrorDiagnostic("Provider not configured", "The gcore provider was not configured before the purge; please report this issue.")
}

// logInfo passes the scheduler's messages on to Terraform's log. The context
// is the purge's own, which masks the API key.
func logInfo(ctx context.Context, msg string, fields map[string]any) {
	tflog.Info(ctx, msg, fields)
}

// mask returns ctx with the API key masked in every tflog message and field,
// so that no log line can leak it.
func (d *providerData) mask(ctx context.Context) context.Context {
	if d.apiKey == "" {
		return ctx
	}
	ctx = tflog.MaskMessageStrings(ctx, d.apiKey)
	return tflog.MaskAllFieldValuesStrings(ctx, d.apiKey)
}

// requireAPIKey explains, at the moment a purge needs it, how to give the key.
func (d *providerData) requireAPIKey() diag.Diagnostics {
	var diags diag.Diagnostics
	if d.apiKey == "" {
		diags.AddError("Missing Gcore API key",
			"A purge needs a Gcore API key. Set api_key in the provider \"gcore\" block, or set the "+envAPIKey+
				" environment variable. Create a permanent API token in the Gcore Customer Portal (Profile > API tokens).")
	}
	return diags
}

func (p *gcoreProvider) Resources(_ context.Context) []func() resource.Resource {
	return []func() resource.Resource{newCDNPurgeResource, newCDNPurgeChangedFilesResource, newCDNPrefetchResource}
}

// Actions need Terraform 1.14 or later; older versions ignore them.
func (p *gcoreProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{newCDNPurgeAction, newCDNPrefetchAction}
}

func (p *gcoreProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return nil
}
