package provider

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	resourceschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/numberplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// cdnTarget names the CDN resource a request goes to: by its numeric ID, or
// by its delivery domain, which the provider resolves to the ID, once per
// provider instance and domain.
type cdnTarget struct {
	ResourceID types.Number `tfsdk:"resource_id"`
	CName      types.String `tfsdk:"cname"`
}

// target is t itself, for the arguments that embed it.
func (t cdnTarget) target() cdnTarget { return t }

// Descriptions of the two ways to name a CDN resource.
const (
	targetResourceIDDescription = "As the Gcore Customer Portal shows it. Exactly one of " +
		"`resource_id` and `cname` is required: prefer `resource_id` when Terraform knows the ID (from the resource or a " +
		"data source of it), `cname` when the delivery domain is what you know."
	targetCNameDescription = "The CDN resource's delivery domain (its `cname`, such as `cdn.example.com`), as an " +
		"alternative to `resource_id`: the provider looks the ID up (`GET /cdn/resources?cname=...`), once per run and " +
		"domain, at plan (or at apply with `plan_checks = false`). A secondary hostname does not name a CDN resource " +
		"here: Gcore's list filters, and its purge history, know a CDN resource by its delivery domain. A deleted CDN " +
		"resource is never chosen."
)

// targetExpressions are the attributes of which exactly one names the CDN
// resource.
func targetExpressions() []path.Expression {
	return []path.Expression{path.MatchRoot("resource_id"), path.MatchRoot("cname")}
}

func cnameValidators() []validator.String {
	return []validator.String{stringvalidator.LengthAtLeast(1)}
}

// resolve returns the ID of the CDN resource t names. A cname is resolved
// once per provider instance and domain: no CDN resource with that delivery
// domain, or several, is an error on cname. ok is false when the ID is not
// known (t unknown, or a failed read that diags explain).
func (d *providerData) resolve(ctx context.Context, t cdnTarget, noun string) (id int64, ok bool, diags diag.Diagnostics) {
	switch {
	case !t.ResourceID.IsNull() && !t.ResourceID.IsUnknown():
		return wholeNumber(t.ResourceID), true, nil
	case t.CName.IsNull() || t.CName.IsUnknown():
		return 0, false, nil
	}
	res, err := d.resourceNamed(ctx, t.CName.ValueString())
	if err != nil {
		var named *namingError
		if errors.As(err, &named) {
			diags.AddAttributeError(path.Root("cname"), named.summary, named.detail)
			return 0, false, diags
		}
		failure := requestFailure{noun: noun, afterwards: fmt.Sprintf("The CDN resource named by cname = %q could not be looked up, "+
			"so nothing was sent.", t.CName.ValueString())}
		return 0, false, failure.diagnostics(fmt.Errorf("lookup of CDN resource %q: %w", t.CName.ValueString(), err), 0)
	}
	return res.ID, true, nil
}

// resourceNamed is the one live CDN resource whose delivery domain is cname.
func (d *providerData) resourceNamed(ctx context.Context, cname string) (gcoreapi.CDNResource, error) {
	named, err := d.cnames.Get(d.mask(ctx), strings.ToLower(cname))
	switch {
	case err != nil:
		return gcoreapi.CDNResource{}, err
	case len(named) == 0:
		return gcoreapi.CDNResource{}, &namingError{summary: "CDN resource not found", detail: fmt.Sprintf("No CDN resource of the "+
			"account of this API key has the delivery domain %q, or it was deleted, so nothing was sent. Check cname (a "+
			"secondary hostname does not count), or name the CDN resource by resource_id.", cname)}
	case len(named) > 1:
		ids := make([]string, len(named))
		for i, r := range named {
			ids[i] = fmt.Sprint(r.ID)
		}
		return gcoreapi.CDNResource{}, &namingError{summary: "Several CDN resources have this domain", detail: fmt.Sprintf(
			"CDN resources %s all have the delivery domain %q, so nothing was sent. Set resource_id to the one to use, "+
				"instead of cname.",
			strings.Join(ids, ", "), cname)}
	}
	return named[0], nil
}

// namingError is a cname that names no CDN resource, or several.
type namingError struct{ summary, detail string }

func (e *namingError) Error() string { return e.summary + ": " + e.detail }

// planTarget plans the resource_id of a resource whose configuration names
// its CDN resource by cname, and asks for a replacement when the planned CDN
// resource differs from the state's, as a change of resource_id does.
func (d *providerData) planTarget(ctx context.Context, config cdnTarget, planned *cdnTarget, state *cdnTarget,
	resp *resource.ModifyPlanResponse, noun string,
) {
	if !config.ResourceID.IsNull() || config.CName.IsNull() {
		return // resource_id as configured: its own plan modifier replaces
	}
	var stateID types.Number
	if state != nil {
		stateID = state.ResourceID
	}
	id, diags := d.plannedResourceID(ctx, config.CName, state, noun)
	resp.Diagnostics.Append(diags...)
	planned.ResourceID = id
	if state != nil && !id.Equal(stateID) {
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("resource_id"))
	}
}

// plannedResourceID is the resource_id to plan for a configuration that
// names its CDN resource by cname, with state the resource's state (nil when
// there is none): a cname changed to another domain of the same CDN
// resource plans the same ID. With plan_checks off (or the provider not yet
// configured, d nil), or when the API cannot be read now, the plan goes by
// the state: an unchanged cname keeps the state's ID, a changed one is
// unknown, resolved at apply, and replaces, since the plan cannot tell.
func (d *providerData) plannedResourceID(ctx context.Context, cname types.String, state *cdnTarget, noun string) (types.Number, diag.Diagnostics) {
	if d != nil && d.planChecks && !cname.IsUnknown() {
		id, ok, diags := d.resolve(ctx, cdnTarget{ResourceID: types.NumberNull(), CName: cname}, noun)
		if ok {
			return types.NumberValue(new(big.Float).SetInt64(id)), diags
		}
		if diags = planTimeOnly(diags); diags.HasError() {
			return types.NumberUnknown(), diags
		}
	}
	if state != nil && state.CName.Equal(cname) {
		return state.ResourceID, nil
	}
	return types.NumberUnknown(), nil
}

// resourceTargetAttributes are resource_id and cname in a resource's schema:
// resource_id is computed from cname when that names the CDN resource, and a
// configured resource_id that changes replaces the resource, as a request
// to another CDN resource.
func resourceTargetAttributes(idDescription string) map[string]resourceschema.Attribute {
	return map[string]resourceschema.Attribute{
		"resource_id": resourceschema.NumberAttribute{
			MarkdownDescription: idDescription + " " + targetResourceIDDescription + " Set from `cname` when that names the CDN " +
				"resource; changing to another CDN resource replaces the resource.",
			Optional:      true,
			Computed:      true,
			Validators:    resourceIDValidators(),
			PlanModifiers: []planmodifier.Number{numberplanmodifier.RequiresReplaceIfConfigured()},
		},
		"cname": resourceschema.StringAttribute{
			MarkdownDescription: targetCNameDescription + " Changing it to another domain of the same CDN resource replaces nothing.",
			Optional:            true,
			Validators:          cnameValidators(),
		},
	}
}

// actionTargetAttributes are resource_id and cname in an action's schema.
func actionTargetAttributes(idDescription string) map[string]actionschema.Attribute {
	return map[string]actionschema.Attribute{
		"resource_id": actionschema.NumberAttribute{
			MarkdownDescription: idDescription + " " + targetResourceIDDescription,
			Optional:            true,
			Validators:          resourceIDValidators(),
		},
		"cname": actionschema.StringAttribute{
			MarkdownDescription: targetCNameDescription,
			Optional:            true,
			Validators:          cnameValidators(),
		},
	}
}

// withTarget is attrs with the attributes that name the CDN resource.
func withTarget[A any](target, attrs map[string]A) map[string]A {
	for name, a := range target {
		attrs[name] = a
	}
	return attrs
}
