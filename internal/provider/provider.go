package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// RegistryAddress is where users find the provider: source = "gcore-purge/gcore".
const RegistryAddress = "registry.terraform.io/gcore-purge/gcore"

// Environment variables read when the matching attribute is not set; the same
// names Gcore's own SDK and provider use, and GCORE_PLAN_CHECKS for
// plan_checks.
const (
	envAPIKey     = "GCORE_API_KEY"
	envBaseURL    = "GCORE_BASE_URL"
	envPlanChecks = "GCORE_PLAN_CHECKS"
)

var (
	_ provider.Provider                   = (*gcoreProvider)(nil)
	_ provider.ProviderWithActions        = (*gcoreProvider)(nil)
	_ provider.ProviderWithValidateConfig = (*gcoreProvider)(nil)
)

type gcoreProvider struct {
	version string
	// httpClient carries every API request; nil means a default client. Tests
	// inject a recording or replaying client here, never through the schema.
	httpClient *http.Client
	// schedulerOptions tune the scheduler (attempt timeout, retries); the
	// zero value means its defaults. Only tests set it, to make faults quick
	// to play out; it is never read from the schema.
	schedulerOptions scheduler.Options
	// getenv reads the environment variables that stand in for unset
	// attributes; nil means os.Getenv. Tests give each test an environment
	// of its own here, so that they can run in parallel.
	getenv func(string) string
	// shared receives what Configure made, for the server beside this
	// provider (newMuxServer).
	shared *sharedData
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
					"Only needed when a request is sent: a configuration validates without it. It may hold no white space " +
					"(`trimspace(file(...))` drops the newline a key file ends with).",
				Optional:   true,
				Sensitive:  true,
				Validators: []validator.String{apiKey()},
			},
			"base_url": schema.StringAttribute{
				MarkdownDescription: "Base URL of the Gcore API. Falls back to the `" + envBaseURL + "` environment variable, then to `" +
					gcoreapi.DefaultBaseURL + "`. Must be an absolute `https` URL (`http` only to a loopback host, such as a " +
					"local simulator), so that the API key never crosses a network in cleartext; a trailing slash is fine. " +
					"Redirects are never followed.",
				Optional:   true,
				Validators: []validator.String{baseURL()},
			},
			"plan_checks": schema.BoolAttribute{
				MarkdownDescription: "Whether a plan that sends requests reads from the API what it can check first (each CDN " +
					"resource once, the account's limits once, at most " + planReadTimeout.String() + " each), so that an unknown " +
					"`resource_id`, a deleted CDN resource, a revoked key or an unreachable `base_url` fails the plan instead of " +
					"the apply. Falls back to the `" + envPlanChecks + "` environment variable, then `true`; `false` plans offline, " +
					"sending nothing at all.",
				Optional: true,
			},
		},
	}
}

// ValidateConfig checks at plan what the attributes' validators cannot see:
// the environment variables that stand in for unset attributes.
func (p *gcoreProvider) ValidateConfig(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var config providerModel
	if resp.Diagnostics.Append(req.Config.Get(ctx, &config)...); resp.Diagnostics.HasError() {
		return
	}
	if config.APIKey.IsNull() {
		if err := gcoreapi.CheckAPIKey(p.env(envAPIKey)); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("api_key"), "Invalid "+envAPIKey, "The "+envAPIKey+
				" environment variable cannot be sent: "+err.Error()+" (in a shell, export GCORE_API_KEY=\"$(tr -d '[:space:]' < key.txt)\").")
		}
	}
	if config.BaseURL.IsNull() {
		if raw := p.env(envBaseURL); raw != "" {
			if _, err := gcoreapi.ParseBaseURL(raw); err != nil {
				resp.Diagnostics.AddAttributeError(path.Root("base_url"), "Invalid "+envBaseURL, baseURLAdvice(err, envBaseURL))
			}
		}
	}
	if config.PlanChecks.IsNull() {
		if _, err := p.planChecksSetting(config.PlanChecks); err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("plan_checks"), "Invalid "+envPlanChecks, err.Error())
		}
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
		// provider again, with known values, before any request is sent.
		return
	}

	baseURL := p.settingWithFallback(config.BaseURL, envBaseURL, gcoreapi.DefaultBaseURL)
	apiKey := p.settingWithFallback(config.APIKey, envAPIKey, "")
	planChecks, err := p.planChecksSetting(config.PlanChecks)
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
		// The validators said the same at plan; a value unknown then lands here.
		resp.Diagnostics.AddError("Invalid Gcore API settings", capitalized(err.Error())+".")
		return
	}
	data := newProviderData(client, apiKey, planChecks, p.schedulerOptions)
	tflog.Info(data.mask(ctx), "configured the Gcore API client", map[string]any{"base_url": baseURL, "api_key_set": apiKey != ""})
	resp.ResourceData = data
	resp.ActionData = data
	resp.DataSourceData = data
	p.shared.set(data)
}

// env reads the environment variable name, through getenv when tests set it.
func (p *gcoreProvider) env(name string) string {
	if p.getenv == nil {
		return os.Getenv(name)
	}
	return p.getenv(name)
}

// settingWithFallback returns the attribute when set, else the environment
// variable when set, else def.
func (p *gcoreProvider) settingWithFallback(attr types.String, env, def string) string {
	if !attr.IsNull() {
		return attr.ValueString()
	}
	if v := p.env(env); v != "" {
		return v
	}
	return def
}

// planChecksSetting is plan_checks when set, else GCORE_PLAN_CHECKS when
// set, else true.
func (p *gcoreProvider) planChecksSetting(attr types.Bool) (bool, error) {
	if !attr.IsNull() {
		return attr.ValueBool(), nil
	}
	env := p.env(envPlanChecks)
	if env == "" {
		return true, nil
	}
	on, err := strconv.ParseBool(env)
	if err != nil {
		return false, fmt.Errorf("%s=%q is not a boolean: set it to true or false, or unset it", envPlanChecks, env)
	}
	return on, nil
}

func (p *gcoreProvider) Resources(_ context.Context) []func() resource.Resource {
	// gcore_cdn_purge_changed_files is served beside (newMuxServer).
	return []func() resource.Resource{newCDNPurgeResource, newCDNPrefetchResource}
}

// Actions need Terraform 1.14 or later; older versions ignore them.
func (p *gcoreProvider) Actions(_ context.Context) []func() action.Action {
	return []func() action.Action{newCDNPurgeAction, newCDNPrefetchAction}
}

func (p *gcoreProvider) DataSources(_ context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{newCDNResourceDataSource}
}
