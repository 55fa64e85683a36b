package simulator

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Resource is a CDN resource of the account.
type Resource struct {
	// CName is its delivery domain; "" answers cdn<ID>.example.com.
	CName string
	// SecondaryHostnames are its additional delivery domains.
	SecondaryHostnames []string
	// Status is "active" (the default), "suspended" or "processed"; or
	// "deleted", the same as Deleted.
	Status string
	// Deleted plays a deleted resource: GET answers the reference's example
	// of one (status "deleted"), and purges and prefetches answer 404.
	Deleted bool
	// Inactive plays a resource whose "active" is false: it delivers no
	// content, but accepts purges.
	Inactive bool
	// NoPurgeByURLs plays a resource whose can_purge_by_urls is false (its
	// ignore_vary_header option is off): purges by URL are refused.
	NoPurgeByURLs bool
}

// The values of the status of a CDN resource, as the reference lists them.
var resourceStatuses = []string{"active", "processed", "suspended", "deleted"}

func checkResources(resources map[int64]Resource) error {
	for id, res := range resources {
		if id <= 0 {
			return fmt.Errorf("simulator: CDN resource ID %d is not positive", id)
		}
		if res.Status != "" && !slices.Contains(resourceStatuses, res.Status) {
			return fmt.Errorf("simulator: CDN resource %d: unknown status %q", id, res.Status)
		}
	}
	return nil
}

// cloneResources copies m deeply: the caller may change its configuration
// once the simulator runs.
func cloneResources(m map[int64]Resource) map[int64]Resource {
	if m == nil {
		return nil
	}
	out := make(map[int64]Resource, len(m))
	for id, res := range m {
		res.SecondaryHostnames = slices.Clone(res.SecondaryHostnames)
		out[id] = res
	}
	return out
}

// resource returns the CDN resource id, if the account has it.
func (s *Simulator) resource(id int64) (Resource, bool) {
	if s.resources == nil {
		return Resource{}, true
	}
	res, ok := s.resources[id]
	return res, ok
}

func (r Resource) cname(id int64) string {
	if r.CName != "" {
		return r.CName
	}
	return fmt.Sprintf("cdn%d.example.com", id)
}

func (r Resource) deleted() bool { return r.Deleted || r.Status == "deleted" }

func (r Resource) status() string {
	switch {
	case r.deleted():
		return "deleted"
	case r.Status == "":
		return "active"
	}
	return r.Status
}

// enabled is whether a user may change the resource: any but a deleted one.
func (r Resource) enabled() bool { return !r.deleted() }

// resourceResponse is the reference's ResourceResponse, every field in its
// order; nullable fields are pointers, written null when nil.
type resourceResponse struct {
	ID                 int64      `json:"id"`
	CName              string     `json:"cname"`
	Active             bool       `json:"active"`
	Enabled            bool       `json:"enabled"`
	Status             string     `json:"status"`
	Deleted            bool       `json:"deleted"`
	Client             int64      `json:"client"`
	Name               *string    `json:"name"`
	Description        string     `json:"description"`
	Created            string     `json:"created"`
	Updated            string     `json:"updated"`
	OriginGroup        int64      `json:"originGroup"`
	OriginGroupName    string     `json:"originGroup_name"`
	OriginProtocol     string     `json:"originProtocol"`
	SecondaryHostnames []string   `json:"secondaryHostnames"`
	Shielded           bool       `json:"shielded"`
	ShieldDC           *string    `json:"shield_dc"`
	ShieldEnabled      bool       `json:"shield_enabled"`
	ShieldRoutingMap   *int64     `json:"shield_routing_map"`
	SSLEnabled         bool       `json:"sslEnabled"`
	SSLData            *int64     `json:"sslData"`
	ProxySSLEnabled    bool       `json:"proxy_ssl_enabled"`
	ProxySSLCA         *int64     `json:"proxy_ssl_ca"`
	ProxySSLData       *int64     `json:"proxy_ssl_data"`
	PresetApplied      bool       `json:"preset_applied"`
	VPEnabled          bool       `json:"vp_enabled"`
	FullCustomEnabled  bool       `json:"full_custom_enabled"`
	CanPurgeByURLs     bool       `json:"can_purge_by_urls"`
	SuspendDate        *string    `json:"suspend_date"`
	Suspended          bool       `json:"suspended"`
	PrimaryResource    *int64     `json:"primary_resource"`
	IsPrimary          *bool      `json:"is_primary"`
	WAAPDomainID       *string    `json:"waap_domain_id"`
	Rules              []struct{} `json:"rules"`
	Options            struct{}   `json:"options"`
}

// deletedResourceResponse is a deleted CDN resource as the reference's
// example list shows one: these fields only.
type deletedResourceResponse struct {
	ID      int64  `json:"id"`
	Deleted bool   `json:"deleted"`
	Client  int64  `json:"client"`
	Status  string `json:"status"`
	Updated string `json:"updated"`
	CName   string `json:"cname"`
}

// resourceAnswer is CDN resource id as GET /cdn/resources/{id} and the list
// write it. What the configuration does not set has plain values: null
// where the reference allows it, false, "", [] or {}; each resource has an
// origin group of its own, numbered as it is.
func (s *Simulator) resourceAnswer(id int64, res Resource) any {
	created := formatTime(s.created, false)
	if res.deleted() {
		return deletedResourceResponse{ID: id, Deleted: true, Client: s.accountID(), Status: res.status(),
			Updated: created, CName: res.cname(id)}
	}
	return resourceResponse{
		ID: id, CName: res.cname(id), Active: !res.Inactive, Enabled: res.enabled(), Status: res.status(),
		Client: s.accountID(), Created: created, Updated: created,
		OriginGroup: id, OriginGroupName: "Origins of " + res.cname(id), OriginProtocol: "HTTP",
		SecondaryHostnames: append([]string{}, res.SecondaryHostnames...),
		CanPurgeByURLs:     !res.NoPurgeByURLs,
		Rules:              []struct{}{},
	}
}

// serveResource answers GET /cdn/resources/{id}.
func (s *Simulator) serveResource(r *http.Request, id int64) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	res, ok := s.resource(id)
	if !ok {
		return notFound()
	}
	return jsonAnswer(s.resourceAnswer(id, res))
}

// maxResourcesLimit is the most CDN resources a page holds (the reference's
// limit parameter: "Cannot exceed 1000").
const maxResourcesLimit = 1000

// serveResourceList answers GET /cdn/resources, in ID order, filtered by
// the cname, secondaryHostnames, deleted, status and enabled parameters of
// Gcore's API reference; the other documented filters are not applied. It
// does not create resources: a POST is refused.
func (s *Simulator) serveResourceList(r *http.Request) answer {
	if a, ok := s.checkCall(r, http.MethodGet); !ok {
		return a
	}
	f, bad := parseResourceFilter(r.URL.Query())
	if bad != nil {
		return badRequest(bad)
	}
	listed := []any{}
	for _, id := range s.resourceIDs(f.cname) {
		if res, _ := s.resource(id); f.matches(id, res) {
			listed = append(listed, s.resourceAnswer(id, res))
		}
	}
	return listAnswer(r, listed, maxResourcesLimit)
}

// resourceIDs are the IDs of the account's resources, in order. An account
// without configured resources has one for every positive ID, too many to
// list: it lists the one the cname filter names, cdn<ID>.example.com.
func (s *Simulator) resourceIDs(cname string) []int64 {
	if s.resources != nil {
		return slices.Sorted(maps.Keys(s.resources))
	}
	var id int64
	if _, err := fmt.Sscanf(cname, "cdn%d.example.com", &id); err != nil || id <= 0 || (Resource{}).cname(id) != cname {
		return nil
	}
	return []int64{id}
}

// resourceFilter is the query of GET /cdn/resources.
type resourceFilter struct {
	cname, secondaryHostname, status string
	deleted, enabled                 *bool
}

func (f resourceFilter) matches(id int64, res Resource) bool {
	return (f.cname == "" || f.cname == res.cname(id)) &&
		(f.secondaryHostname == "" || slices.Contains(res.SecondaryHostnames, f.secondaryHostname)) &&
		(f.status == "" || f.status == res.status()) &&
		(f.deleted == nil || *f.deleted == res.deleted()) &&
		(f.enabled == nil || *f.enabled == res.enabled())
}

// parseResourceFilter reads the filters, or returns the 400 body naming the
// first it cannot read.
func parseResourceFilter(q url.Values) (resourceFilter, []byte) {
	f := resourceFilter{cname: q.Get("cname"), secondaryHostname: q.Get("secondaryHostnames"), status: q.Get("status")}
	if bad := checkChoice("status", f.status, resourceStatuses); bad != nil {
		return f, bad
	}
	var bad []byte
	if f.deleted, bad = parseBool("deleted", q.Get("deleted")); bad != nil {
		return f, bad
	}
	f.enabled, bad = parseBool("enabled", q.Get("enabled"))
	return f, bad
}

// parseBool reads a boolean filter as the API's filters do: true or false,
// 1 or 0, in any case; nil when it is not given.
func parseBool(field, raw string) (*bool, []byte) {
	if raw == "" {
		return nil, nil
	}
	switch strings.ToLower(raw) {
	case "true", "1":
		return ptr(true), nil
	case "false", "0":
		return ptr(false), nil
	}
	return nil, fieldError(field, "Must be a valid boolean.")
}

// checkChoice returns the 400 body for a filter whose value is none of
// valid; nil when it is one of them or not given.
func checkChoice(field, value string, valid []string) []byte {
	if value == "" || slices.Contains(valid, value) {
		return nil
	}
	return fieldError(field, fmt.Sprintf("Select a valid choice. %s is not one of the available choices.", value))
}
