package provider

import "github.com/hashicorp/terraform-plugin-framework/resource"

// refuseImport answers `terraform import` for the provider's resources. Each
// stands for a request sent to the Gcore API (a purge, a prefetch), which
// leaves no object there to import: the resource lives only in Terraform's
// state. advice says how to bring the resource under Terraform instead.
func refuseImport(resp *resource.ImportStateResponse, advice string) {
	resp.Diagnostics.AddError("Resource cannot be imported",
		"This resource stands for a request sent to the Gcore API, which leaves nothing there to import: "+
			"it exists only in Terraform's state. "+advice)
}
