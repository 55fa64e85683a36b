package provider

import (
	"context"
	"maps"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// Values unknown at plan time are not validated then; the apply (or an
// action's invocation) runs the schema's own validators on them once they
// are known, before anything is sent, through these adapters.

// attributeValidation runs validators on the attribute at p of config, as the
// framework does at plan time.
type attributeValidation func(ctx context.Context, config tfsdk.Config, p path.Path) diag.Diagnostics

// validation reads the attribute as a T and runs each of validators on it;
// run builds the request of the validator's own type. The framework has one
// request type per attribute type, hence the small adapters below.
func validation[T any, V any](validators []V,
	run func(ctx context.Context, v V, value T, config tfsdk.Config, p path.Path) diag.Diagnostics,
) attributeValidation {
	return func(ctx context.Context, config tfsdk.Config, p path.Path) diag.Diagnostics {
		var value T
		diags := config.GetAttribute(ctx, p, &value)
		for _, v := range validators {
			diags.Append(run(ctx, v, value, config, p)...)
		}
		return diags
	}
}

func setValidation(validators []validator.Set) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Set, value types.Set, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.SetResponse{}
		v.ValidateSet(ctx, validator.SetRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

func numberValidation(validators []validator.Number) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Number, value types.Number, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.NumberResponse{}
		v.ValidateNumber(ctx, validator.NumberRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

func boolValidation(validators []validator.Bool) attributeValidation {
	return validation(validators, func(ctx context.Context, v validator.Bool, value types.Bool, config tfsdk.Config, p path.Path) diag.Diagnostics {
		resp := &validator.BoolResponse{}
		v.ValidateBool(ctx, validator.BoolRequest{Path: p, PathExpression: p.Expression(), ConfigValue: value, Config: config}, resp)
		return resp.Diagnostics
	})
}

// revalidated runs the validations of each named attribute of config.
func revalidated(ctx context.Context, config tfsdk.Config, validations map[string]attributeValidation) diag.Diagnostics {
	var diags diag.Diagnostics
	for _, name := range slices.Sorted(maps.Keys(validations)) {
		diags.Append(validations[name](ctx, config, path.Root(name))...)
	}
	return diags
}
