package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

// ValidateResourceConfig checks every known value of the configuration at
// plan, with the provider's own validators and their messages, each
// diagnostic on its attribute (files on the very key). Values unknown until
// apply are checked then, on the planned values, before anything is sent.
func (s *changedFilesServer) ValidateResourceConfig(ctx context.Context, req *tfprotov6.ValidateResourceConfigRequest) (*tfprotov6.ValidateResourceConfigResponse, error) {
	config, err := decodeObject(req.Config, changedFilesType)
	if err != nil {
		return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: internalError("read the configuration", err)}, nil
	}
	diags := validateTarget(config)
	diags.Append(validateChangedFiles(ctx, config)...)
	return &tfprotov6.ValidateResourceConfigResponse{Diagnostics: protocolDiagnostics(diags)}, nil
}

// validateTarget requires exactly one of resource_id and cname in a
// configuration, in the words of the framework's validator that the other
// resources use. (A plan has both: resource_id is set from cname.)
func validateTarget(config object) diag.Diagnostics {
	var diags diag.Diagnostics
	if config == nil || !config[attrResourceID].IsKnown() || !config[attrCName].IsKnown() {
		return diags
	}
	both := []string{attrResourceID, attrCName}
	switch id, cname := !config[attrResourceID].IsNull(), !config[attrCName].IsNull(); {
	case id && cname:
		diags.AddAttributeError(path.Root(attrCName), "Invalid Attribute Combination", fmt.Sprintf("These attributes cannot "+
			"be configured together: [%s]. Name the CDN resource by one of them: resource_id, or cname.", strings.Join(both, ",")))
	case !id && !cname:
		diags.AddError("Missing Attribute Configuration", fmt.Sprintf("Exactly one of these attributes must be configured: "+
			"[%s]. Set resource_id to the CDN resource's ID, or cname to its delivery domain.", strings.Join(both, ",")))
	}
	return diags
}

// fileKeyRule says in words what purgerules.CheckFile accepts.
const fileKeyRule = "a file path starting with /, without scheme, host, query or fragment"

// validateChangedFiles runs the validators of every attribute of o (a
// configuration, or a plan at apply) on its known values. The files whose
// key or version fails are reported in the order of their keys.
func validateChangedFiles(ctx context.Context, o object) diag.Diagnostics {
	var diags diag.Diagnostics
	if o == nil {
		return diags
	}
	number := func(name string, v validator.Number) {
		resp := &validator.NumberResponse{}
		p := path.Root(name)
		v.ValidateNumber(ctx, validator.NumberRequest{Path: p, PathExpression: p.Expression(), ConfigValue: o.number(name)}, resp)
		diags.Append(resp.Diagnostics...)
	}
	str := func(v validator.String, p path.Path, value string) diag.Diagnostics {
		resp := &validator.StringResponse{}
		v.ValidateString(ctx, validator.StringRequest{Path: p, PathExpression: p.Expression(), ConfigValue: types.StringValue(value)}, resp)
		return resp.Diagnostics
	}
	for _, v := range resourceIDValidators() {
		number(attrResourceID, v)
	}
	number(attrPurgeAllAbove, positiveWholeNumber("a number of URLs, such as 1000"))
	if o.isSet(attrCName) {
		for _, v := range cnameValidators() {
			diags.Append(str(v, path.Root(attrCName), o.str(attrCName))...)
		}
	}
	if o.isSet(attrIndexDocument) {
		diags.Append(str(indexDocument(), path.Root(attrIndexDocument), o.str(attrIndexDocument))...)
	}
	diags.Append(validateFiles(o, str)...)
	if timeouts := o.block(attrTimeouts); timeouts != nil {
		for _, name := range []string{"create", "update"} {
			if timeouts.isSet(name) {
				diags.Append(str(positiveTimeout(), path.Root(attrTimeouts).AtName(name), timeouts.str(name))...)
			}
		}
	}
	return diags
}

// validateFiles checks each key and each known version of files, with
// check running one validator on one string.
func validateFiles(o object, check func(validator.String, path.Path, string) diag.Diagnostics) diag.Diagnostics {
	var diags diag.Diagnostics
	if !o.isSet(attrFiles) {
		return diags
	}
	var elems map[string]tftypes.Value
	_ = o[attrFiles].As(&elems)
	key, version := purgeRule(purgerules.CheckFile, fileKeyRule), fileVersion()
	type failure struct {
		key   string
		diags diag.Diagnostics
	}
	var failures []failure
	for k, v := range elems {
		p := path.Root(attrFiles).AtMapKey(k)
		d := check(key, p, k)
		if v.IsKnown() && !v.IsNull() {
			var s string
			_ = v.As(&s)
			// The version's message cannot name the file: say which.
			for _, vd := range check(version, p, s) {
				d.AddAttributeError(p, vd.Summary(), fmt.Sprintf("%s = %q: %s", p, s, vd.Detail()))
			}
		}
		if len(d) > 0 {
			failures = append(failures, failure{k, d})
		}
	}
	slices.SortFunc(failures, func(a, b failure) int { return strings.Compare(a.key, b.key) })
	for _, f := range failures {
		diags.Append(f.diags...)
	}
	return diags
}
