package simulator

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
)

// activeResource is CDN resource 220 of account 100 as GET
// /cdn/resources/{id} answers it, with every field of the reference's
// ResourceResponse in its order: those the configuration does not set as in
// the reference's example of an active resource. A synctest bubble starts at
// midnight, 1 January 2000, UTC, when the account is created.
const activeResource = `{"id":220,"cname":"cdn.site.com","active":true,"enabled":true,"status":"active","deleted":false,` +
	`"client":100,"name":null,"description":"","created":"2000-01-01T00:00:00Z","updated":"2000-01-01T00:00:00Z",` +
	`"originGroup":220,"originGroup_name":"Origins of cdn.site.com","originProtocol":"HTTP",` +
	`"secondaryHostnames":["cdn1.yoursite.com","cdn2.yoursite.com"],"shielded":false,"shield_dc":null,` +
	`"shield_enabled":false,"shield_routing_map":null,"sslEnabled":false,"sslData":null,"proxy_ssl_enabled":false,` +
	`"proxy_ssl_ca":null,"proxy_ssl_data":null,"preset_applied":false,"vp_enabled":false,"full_custom_enabled":false,` +
	`"can_purge_by_urls":true,"suspend_date":null,"suspended":false,"primary_resource":null,"is_primary":null,` +
	`"waap_domain_id":null,"rules":[],"options":{}}`

// deletedResource is a deleted CDN resource as the reference's example list
// shows one.
const deletedResource = `{"id":222,"deleted":true,"client":100,"status":"deleted","updated":"2000-01-01T00:00:00Z","cname":"cdn2.site.com"}`

// account is the CDN resources of the tests of the resource endpoints.
var account = map[int64]Resource{
	220: {CName: "cdn.site.com", SecondaryHostnames: []string{"cdn1.yoursite.com", "cdn2.yoursite.com"}},
	221: {CName: "static.example.org", Status: "suspended", Inactive: true, NoPurgeByURLs: true},
	222: {CName: "cdn2.site.com", Deleted: true},
	223: {Status: "processed", SecondaryHostnames: []string{"cdn1.yoursite.com"}},
}

func TestResourceAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{Resources: account})
		expect(t, get(s, "/cdn/resources/220"), 200, activeResource)
		expect(t, get(s, "/cdn/resources/222"), 200, deletedResource)
		expect(t, get(s, "/cdn/resources/224"), 404, `{"message":"Not found."}`)

		var res map[string]any
		if err := json.Unmarshal(get(s, "/cdn/resources/221").Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		for field, want := range map[string]any{"cname": "static.example.org", "status": "suspended", "active": false, "can_purge_by_urls": false} {
			if res[field] != want {
				t.Errorf("resource 221: %s = %v, want %v", field, res[field], want)
			}
		}

		// Without configured resources every positive ID is one.
		open := newSim(t, Config{Limits: Limits{ID: 7}})
		w := get(open, "/cdn/resources/123456789")
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if res["id"] != 123456789.0 || res["cname"] != "cdn123456789.example.com" || res["client"] != 7.0 || res["status"] != "active" {
			t.Errorf("an open account's resource: %v", res)
		}
	})
}

// listIDs reads the IDs of a plain list of CDN resources, or of a page's
// results.
func listIDs(t *testing.T, body []byte) []int64 {
	t.Helper()
	var page struct{ Results []struct{ ID int64 } }
	into := any(&page.Results)
	if strings.HasPrefix(string(body), "{") {
		into = &page
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	ids := []int64{}
	for _, r := range page.Results {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestResourceList(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newSim(t, Config{Resources: account})
		// Plain without a limit, deleted resources included, in the shapes
		// of GET /cdn/resources/{id}.
		w := get(s, resourcesPath)
		if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "["+activeResource+",") || !strings.Contains(w.Body.String(), ","+deletedResource+",") {
			t.Errorf("the plain list: %d %s", w.Code, w.Body)
		}
		tests := []struct {
			query string
			want  []int64
		}{
			{"", []int64{220, 221, 222, 223}},
			{"cname=cdn.site.com", []int64{220}},
			{"cname=cdn223.example.com", []int64{223}},
			{"cname=site.com", []int64{}},
			{"cname=cdn1.yoursite.com", []int64{}}, // a secondary hostname is not the cname
			{"secondaryHostnames=cdn1.yoursite.com", []int64{220, 223}},
			{"secondaryHostnames=cdn2.yoursite.com", []int64{220}},
			{"deleted=true", []int64{222}},
			{"deleted=False", []int64{220, 221, 223}},
			{"deleted=0", []int64{220, 221, 223}},
			{"status=active", []int64{220}},
			{"status=suspended", []int64{221}},
			{"status=processed", []int64{223}},
			{"status=deleted", []int64{222}},
			{"enabled=true", []int64{220, 221, 223}},
			{"enabled=false", []int64{222}},
			{"sslEnabled=true", []int64{220, 221, 222, 223}}, // not applied
			{"cname=cdn.site.com&deleted=false&status=active", []int64{220}},
			{"limit=2", []int64{220, 221}},
			{"limit=2&offset=3", []int64{223}},
			{"limit=0", []int64{220, 221, 222, 223}},
		}
		for _, tt := range tests {
			w := get(s, resourcesPath+"?"+tt.query)
			if got := listIDs(t, w.Body.Bytes()); w.Code != 200 || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("?%s: %d %v, want %v", tt.query, w.Code, got, tt.want)
			}
		}
		for query, want := range map[string]string{
			"status=paused": `{"errors":{"status":["Select a valid choice. paused is not one of the available choices."]}}`,
			"deleted=yes":   `{"errors":{"deleted":["Must be a valid boolean."]}}`,
			"enabled=on":    `{"errors":{"enabled":["Must be a valid boolean."]}}`,
		} {
			expect(t, get(s, resourcesPath+"?"+query), 400, want)
		}
	})
}

func TestResourceListPages(t *testing.T) {
	resources := map[int64]Resource{}
	for id := int64(1); id <= 1500; id++ {
		resources[id] = Resource{}
	}
	s := newSim(t, Config{Resources: resources})
	const base = "http://example.com/cdn/resources?deleted=false&limit="
	tests := []struct {
		query          string
		first, n       int64
		next, previous string
	}{
		{"deleted=false&limit=1000", 1, 1000, base + "1000&offset=1000", "null"},
		{"deleted=false&limit=1000&offset=1000", 1001, 500, "null", base + "1000"},
		// The reference's maximum: "Cannot exceed 1000".
		{"deleted=false&limit=5000", 1, 1000, base + "1000&offset=1000", "null"},
		{"deleted=false&limit=10&offset=1495", 1496, 5, "null", base + "10&offset=1485"},
	}
	for _, tt := range tests {
		p := readPage[struct{ ID int64 }](t, get(s, resourcesPath+"?"+tt.query).Body.Bytes())
		if p.Count != 1500 || int64(len(p.Results)) != tt.n || str(p.Next) != tt.next || str(p.Previous) != tt.previous ||
			p.Results[0].ID != tt.first {
			t.Errorf("?%s: count %d, %d results from %d, next %s, previous %s; want 1500, %d from %d, %s, %s",
				tt.query, p.Count, len(p.Results), p.Results[0].ID, str(p.Next), str(p.Previous), tt.n, tt.first, tt.next, tt.previous)
		}
	}
}

// TestOpenAccountList: an account without configured resources lists the
// one a cname filter names, and nothing else.
func TestOpenAccountList(t *testing.T) {
	s := newSim(t, Config{})
	for query, want := range map[string][]int64{
		"":                                     {},
		"cname=cdn42.example.com":              {42},
		"cname=cdn42.example.com&limit=5":      {42},
		"cname=cdn042.example.com":             {},
		"cname=cdn0.example.com":               {},
		"cname=cdn42.example.com.evil":         {},
		"cname=static.example.org":             {},
		"secondaryHostnames=cdn42.example.com": {},
		"cname=cdn42.example.com&deleted=true": {},
	} {
		w := get(s, resourcesPath+"?"+query)
		if got := listIDs(t, w.Body.Bytes()); w.Code != 200 || !reflect.DeepEqual(got, want) {
			t.Errorf("?%s: %d %v, want %v", query, w.Code, got, want)
		}
	}
}
