package provider

import (
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/gcore-purge/terraform-provider-gcore/internal/scheduler"
)

// What the actions share when Terraform invokes them.

var timeoutPath = path.Root("timeout")

// invokeTimeout reads an action's timeout: defaultCreateTimeout when unset.
// The validator accepted it at plan time; a value unknown then is known now,
// and checked again by parsing.
func invokeTimeout(timeout types.String) (time.Duration, diag.Diagnostics) {
	var diags diag.Diagnostics
	if timeout.IsNull() {
		return defaultCreateTimeout, diags
	}
	d, ok := parsePositiveDuration(timeout.ValueString())
	if !ok {
		diags.AddAttributeError(timeoutPath, "Invalid timeout", durationAdvice(timeout.ValueString()))
	}
	return d, diags
}

// invokeProgress reports the scheduler's progress on CDN resource resourceID
// as Terraform shows an action's progress, naming the CDN resource.
func invokeProgress(resp *action.InvokeResponse, resourceID int64) scheduler.Progress {
	subject := fmt.Sprintf("CDN resource %d: ", resourceID)
	return func(msg string) { resp.SendProgress(action.InvokeProgressEvent{Message: subject + msg}) }
}
