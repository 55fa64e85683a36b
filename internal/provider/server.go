package provider

import (
	"context"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-mux/tf6muxserver"
)

// NewServer returns the provider's protocol 6 server, which main serves: the
// framework provider, and gcore_cdn_purge_changed_files served directly on
// terraform-plugin-go beside it (see changedFilesServer for why), combined
// by tf6muxserver.
func NewServer(version string) (func() tfprotov6.ProviderServer, error) {
	return newMuxServer(&gcoreProvider{version: version})
}

// newMuxServer combines p with the changed-files server that shares its
// configuration. The framework server comes first: the mux calls
// ConfigureProvider on its servers in order, so p's Configure has filled
// the holder before any plan or apply reaches the other server. One provider
// process so has one providerData, one scheduler, for every resource type.
func newMuxServer(p *gcoreProvider) (func() tfprotov6.ProviderServer, error) {
	p.shared = &sharedData{}
	mux, err := tf6muxserver.NewMuxServer(context.Background(),
		providerserver.NewProtocol6(p),
		func() tfprotov6.ProviderServer { return newChangedFilesServer(p.shared) },
	)
	if err != nil {
		return nil, err
	}
	return mux.ProviderServer, nil
}

// sharedData hands what the framework provider's Configure made to the
// servers beside it: nil before the provider is configured (validation runs
// earlier) and while its configuration is unknown (then the plan checks
// nothing, and the apply, which Terraform runs with the configuration
// known, has it).
type sharedData struct {
	mu   sync.Mutex
	data *providerData
}

// set records d; a nil holder (the framework provider served alone) keeps
// nothing.
func (s *sharedData) set(d *providerData) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data = d
}

func (s *sharedData) get() *providerData {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.data
}
