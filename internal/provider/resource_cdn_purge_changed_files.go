package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// changedFilesServer serves gcore_cdn_purge_changed_files, beside the
// framework provider (newMuxServer), directly on terraform-plugin-go: it
// purges what a deploy changed, and a site may have 100,000 files.
//
// Why not the framework: it walks every element of every value on every
// RPC (write-only nullification, computed-nil marking, the plan
// modifiers), each step of a walk adding a layer to a context that its trace
// logging then searches, so that its cost grows with the square of the
// files: 18 times terraform_data's at 10,000 files, minutes at 30,000. Here
// each RPC decodes its values once, works out the deploy with filediff,
// and encodes the result once, so that the resource costs about what a
// terraform_data holding the same map costs, at any size (make bench).
//
// Why purged_urls is a sensitive map: Terraform renders the difference of
// two lists with a table of len(before) × len(after) cells (8 GB for a
// 100,000-file update), a map key by key; and a sensitive value is one line
// of the human-readable plan, however many URLs it holds, while
// `terraform show -json` of a saved plan lists them all. purged_url_count
// says in the plan how many.
//
// The rest is the framework resource's behaviour, with the provider's own
// helpers: the validators (ValidateResourceConfig), the plan checks and the
// time estimate (PlanResourceChange), the scheduler, the completion wait and
// the diagnostics of a failure (ApplyResourceChange), all through the one
// providerData the framework provider's Configure made (sharedData).
type changedFilesServer struct {
	unsupportedServer
	shared *sharedData
	schema *tfprotov6.Schema
}

var _ tfprotov6.ProviderServer = (*changedFilesServer)(nil)

func newChangedFilesServer(shared *sharedData) *changedFilesServer {
	return &changedFilesServer{shared: shared, schema: changedFilesSchema()}
}

// capabilities: the schema is needed only for the resource, and a destroy
// is planned here too (it plans nothing).
var changedFilesCapabilities = &tfprotov6.ServerCapabilities{GetProviderSchemaOptional: true, PlanDestroy: true}

func (s *changedFilesServer) GetMetadata(context.Context, *tfprotov6.GetMetadataRequest) (*tfprotov6.GetMetadataResponse, error) {
	return &tfprotov6.GetMetadataResponse{
		ServerCapabilities: changedFilesCapabilities,
		Resources:          []tfprotov6.ResourceMetadata{{TypeName: changedFilesTypeName}},
	}, nil
}

// GetProviderSchema returns the resource's schema and no provider schema:
// the mux takes the framework provider's (it requires those of its servers
// to be equal, or absent).
func (s *changedFilesServer) GetProviderSchema(context.Context, *tfprotov6.GetProviderSchemaRequest) (*tfprotov6.GetProviderSchemaResponse, error) {
	return &tfprotov6.GetProviderSchemaResponse{
		ServerCapabilities: changedFilesCapabilities,
		ResourceSchemas:    map[string]*tfprotov6.Schema{changedFilesTypeName: s.schema},
		DataSourceSchemas:  map[string]*tfprotov6.Schema{},
		Functions:          map[string]*tfprotov6.Function{},
	}, nil
}

// ReadResource keeps the state as it is, without decoding it: a purge
// leaves nothing in the API to read.
func (s *changedFilesServer) ReadResource(_ context.Context, req *tfprotov6.ReadResourceRequest) (*tfprotov6.ReadResourceResponse, error) {
	return &tfprotov6.ReadResourceResponse{NewState: req.CurrentState, Private: req.Private}, nil
}

// ImportResourceState refuses with advice: there is nothing in the API to
// import.
func (s *changedFilesServer) ImportResourceState(context.Context, *tfprotov6.ImportResourceStateRequest) (*tfprotov6.ImportResourceStateResponse, error) {
	return &tfprotov6.ImportResourceStateResponse{Diagnostics: []*tfprotov6.Diagnostic{{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  "Resource cannot be imported",
		Detail: "This resource stands for a request sent to the Gcore API, which leaves nothing there to import: it exists " +
			"only in Terraform's state. To adopt a deployed site without purging it, add the resource with " +
			"purge_on_create = false: the first apply records the files and purges nothing.",
	}}}, nil
}
