package provider

import (
	"context"
	"fmt"
	"math"
	"time"

	actiontimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/action/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	resourceschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// defaultTimeout bounds a request, waiting for rate-limit room included, when
// the resource's timeouts.create or timeouts.update, or the action's
// timeouts.invoke, is not set.
const defaultTimeout = 20 * time.Minute

// maxTimeout is the longest wait Go can express, and so the longest a
// timeout may be: time.ParseDuration refuses more.
const maxTimeout = time.Duration(math.MaxInt64)

// timeoutSetting names the setting that bounds a request, for the advice of a
// diagnostic: "timeouts.create", "timeouts.update" or "timeouts.invoke".
type timeoutSetting string

const (
	createTimeout timeoutSetting = "timeouts.create"
	updateTimeout timeoutSetting = "timeouts.update"
	invokeTimeout timeoutSetting = "timeouts.invoke"
)

// resourceTimeouts is the timeouts block of a resource, as
// terraform-plugin-framework-timeouts writes it, with each duration also
// checked to be positive at plan.
func resourceTimeouts(ctx context.Context, opts timeouts.Opts) resourceschema.Block {
	block := timeoutsPart[resourceschema.SingleNestedBlock](timeouts.Block(ctx, opts))
	for name, a := range block.Attributes {
		s := timeoutsPart[resourceschema.StringAttribute](a)
		s.Validators = append(s.Validators, positiveTimeout())
		block.Attributes[name] = s
	}
	return block
}

// actionTimeouts is the timeouts block of an action, in the same shape as a
// resource's (timeouts { invoke = "20m" }).
func actionTimeouts(ctx context.Context, description string) actionschema.Block {
	block := timeoutsPart[actionschema.SingleNestedBlock](actiontimeouts.BlockWithOpts(ctx, actiontimeouts.Opts{InvokeDescription: description}))
	for name, a := range block.Attributes {
		s := timeoutsPart[actionschema.StringAttribute](a)
		s.Validators = append(s.Validators, positiveTimeout())
		block.Attributes[name] = s
	}
	return block
}

// timeoutsPart is part of the block the timeouts package made, as the T it
// always is; the schema cannot be built otherwise.
func timeoutsPart[T any](part any) T {
	t, ok := part.(T)
	if !ok {
		panic(fmt.Sprintf("terraform-plugin-framework-timeouts made a %T, not a %T", part, t))
	}
	return t
}

// positiveTimeout checks that a timeout is a duration longer than zero and
// no longer than maxTimeout. It is written here because the timeouts package
// checks only that the value parses ("0s" and "-5m" do), and the validators
// package has no duration validator.
func positiveTimeout() validator.String { return timeoutValidator{} }

var _ validator.String = timeoutValidator{}

type timeoutValidator struct{}

func (timeoutValidator) Description(context.Context) string {
	return "must be a duration longer than zero, such as 90s or 20m"
}

func (v timeoutValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (timeoutValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	raw := req.ConfigValue.ValueString()
	d, err := time.ParseDuration(raw)
	switch {
	case err != nil:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout", fmt.Sprintf("%s = %q is not a duration no longer "+
			"than %s. Use a number with a unit, such as \"90s\", \"20m\" or \"1h30m\".", req.Path, raw, maxTimeout.Truncate(time.Hour)))
	case d <= 0:
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid timeout", fmt.Sprintf("%s = %q leaves no time for the request: "+
			"use a duration longer than zero, such as \"20m\" (the default), or remove it.", req.Path, raw))
	}
}
