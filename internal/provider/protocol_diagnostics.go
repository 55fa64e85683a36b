package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// The server served on terraform-plugin-go reuses the provider's helpers,
// which speak the framework's diagnostics (diag.Diagnostics, with
// path.Path); these turn them into the protocol's, attribute paths
// included, so that Terraform points at the attribute, or the very key of a
// map, that a diagnostic is about.

// protocolDiagnostics converts diags.
func protocolDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	out := make([]*tfprotov6.Diagnostic, 0, len(diags))
	for _, d := range diags {
		p := &tfprotov6.Diagnostic{Summary: d.Summary(), Detail: d.Detail(), Severity: tfprotov6.DiagnosticSeverityWarning}
		if d.Severity() == diag.SeverityError {
			p.Severity = tfprotov6.DiagnosticSeverityError
		}
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			p.Attribute = attributePath(withPath.Path())
		}
		out = append(out, p)
	}
	return out
}

// attributePath is p in the protocol's terms.
func attributePath(p path.Path) *tftypes.AttributePath {
	out := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		switch s := step.(type) {
		case path.PathStepAttributeName:
			out = out.WithAttributeName(string(s))
		case path.PathStepElementKeyString:
			out = out.WithElementKeyString(string(s))
		case path.PathStepElementKeyInt:
			out = out.WithElementKeyInt(int(s))
		}
	}
	return out
}

// internalError is the diagnostic of what should not happen (a value
// Terraform sent that does not decode, a state that does not encode): what
// failed, and a request to report it.
func internalError(what string, err error) []*tfprotov6.Diagnostic {
	return []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Unable to " + what,
		Detail:   capitalized(err.Error()) + ". Please report this issue.",
	}}
}
