package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// UpgradeResourceState reads a state as Terraform stored it (JSON). The
// current version goes back as it is, without a decode and an encode here:
// Terraform runs this on every plan and apply, and at 100,000 files decoding
// was a quarter of the plugin's work. Version 0, the framework resource's,
// is converted: purged_urls from a list to a map (each URL "purged", since
// version 0 did not record why), purged_url_count added, purged_patterns
// empty, purge_directories unset; files is kept, so that the next plan
// purges nothing that did not change.
func (s *changedFilesServer) UpgradeResourceState(_ context.Context, req *tfprotov6.UpgradeResourceStateRequest) (*tfprotov6.UpgradeResourceStateResponse, error) {
	resp := &tfprotov6.UpgradeResourceStateResponse{}
	if req.RawState == nil {
		return resp, nil
	}
	switch req.Version {
	case changedFilesSchemaVersion:
		if req.RawState.JSON != nil {
			resp.UpgradedState = &tfprotov6.DynamicValue{JSON: req.RawState.JSON}
			return resp, nil
		}
		s.upgrade(resp, req.RawState, changedFilesType, func(object) {})
	case 0:
		s.upgrade(resp, req.RawState, changedFilesV0Type, upgradeFromV0)
	default:
		resp.Diagnostics = []*tfprotov6.Diagnostic{{
			Severity: tfprotov6.DiagnosticSeverityError,
			Summary:  "Unknown state version",
			Detail: fmt.Sprintf("The state of this %s has schema version %d; this provider knows versions 0 to %d. "+
				"Use the provider version that wrote it, or a later one.", changedFilesTypeName, req.Version, changedFilesSchemaVersion),
		}}
	}
	return resp, nil
}

// upgrade decodes raw as a state of typ, converts it with convert and
// encodes it in the current version.
func (s *changedFilesServer) upgrade(resp *tfprotov6.UpgradeResourceStateResponse, raw *tfprotov6.RawState, typ tftypes.Object,
	convert func(object),
) {
	v, err := raw.UnmarshalWithOpts(typ, tfprotov6.UnmarshalOpts{
		ValueFromJSONOpts: tftypes.ValueFromJSONOpts{IgnoreUndefinedAttributes: true},
	})
	if err != nil {
		resp.Diagnostics = internalError("read the state", err)
		return
	}
	state := object{}
	if err := v.As((*map[string]tftypes.Value)(&state)); err != nil {
		resp.Diagnostics = internalError("read the state", err)
		return
	}
	convert(state)
	if resp.UpgradedState, err = state.encode(changedFilesType); err != nil {
		resp.Diagnostics = internalError("upgrade the state", err)
	}
}

// upgradeFromV0 converts a state of version 0 to version 1 in place.
func upgradeFromV0(state object) {
	urls, _ := state.stringList(attrPurgedURLs)
	reasons := make(map[string]string, len(urls))
	for _, u := range urls {
		reasons[u] = "purged"
	}
	state.set(attrPurgedURLs, stringMapValue(reasons))
	state.set(attrPurgedURLCount, intValue(len(reasons)))
	state.set(attrPurgedPatterns, stringListValue(nil))
	state.set(attrPurgeDirectories, nullValue(tftypes.Bool))
}
