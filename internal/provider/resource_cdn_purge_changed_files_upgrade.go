package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/gcore-purge/terraform-provider-gcore/internal/purgerules"
)

// UpgradeResourceState reads a state as Terraform stored it (JSON). The
// current version goes back as it is, without a decode and an encode here:
// Terraform runs this on every plan and apply, and at 100,000 files decoding
// was a quarter of the plugin's work. Version 0, the framework resource's,
// is converted: purged_urls from a list to a map (each URL "purged", since
// version 0 did not record why), purged_url_count added, purged_patterns
// empty, purge_directories and cname unset; files is kept, so that the next
// plan purges nothing that did not change, but for the files that version 0
// purged under a wrong URL (missedByV0), which the next apply purges again.
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
	state.set(attrCName, nullValue(tftypes.String))
	if files, known := state.stringMap(attrFiles); known {
		for key := range files {
			if missedByV0(key) {
				files[key] = missedVersion
			}
		}
		state.set(attrFiles, stringMapValue(files))
	}
}

// missedVersion is the version a state upgrade records for a file whose
// earlier purges missed: no configuration has it (an empty version is
// refused), so the next plan sees the file changed and purges it.
const missedVersion = ""

// missedByV0 reports whether the builds that wrote version 0 purged key
// under another URL than a browser requests, so that its purges missed:
// they percent-encoded every byte but the unreserved characters of RFC 3986,
// "/" and an existing %XX ("/img/logo@2x.png" went out as
// "/img/logo%402x.png"), where purgerules.EscapeFile, as a browser,
// encodes only the WHATWG URL Standard's path set.
func missedByV0(key string) bool {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~/", c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(key) && isHexPair(key[i+1:i+3]):
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String() != purgerules.EscapeFile(key)
}

// isHexPair reports whether s is two hexadecimal digits.
func isHexPair(s string) bool {
	_, err := strconv.ParseUint(s, 16, 8)
	return err == nil
}
