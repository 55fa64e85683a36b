package gcoreapi_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// The answers in testdata reproduce the examples of Gcore's API reference
// (the OpenAPI document of the CDN API), so that the client's field names are
// checked against Gcore's own, not against the simulator's.

func fixture(t *testing.T, name string) string {
	t.Helper()
	body, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

func TestDecodesTheDocumentedCDNResources(t *testing.T) {
	yes := true
	for name, want := range map[string]gcoreapi.CDNResource{
		"resource.json": {ID: 220, CName: "cdn.site.com", SecondaryHostnames: []string{"cdn1.yoursite.com", "cdn2.yoursite.com"},
			Active: &yes, Status: gcoreapi.ResourceActive, CanPurgeByURLs: &yes},
		// A deleted resource answers with a few fields only.
		"resource_deleted.json": {ID: 222, CName: "cdn2.site.com", Status: gcoreapi.ResourceDeleted, Deleted: true},
	} {
		client, _ := serve(t, http.StatusOK, nil, fixture(t, name))
		got, err := client.CDNResource(context.Background(), want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", name, got, err, want)
		}
		if got.Gone() != want.Deleted {
			t.Errorf("%s: Gone() = %v", name, got.Gone())
		}
	}
}

func TestDecodesTheDocumentedLimits(t *testing.T) {
	client, got := serve(t, http.StatusOK, nil, fixture(t, "limits.json"))
	limits, err := client.AccountLimits(context.Background())
	want := gcoreapi.AccountLimits{PurgeRequestLimit: "1/m", PurgeByURLsRequestLimit: "2/m", PurgeMaxURLsLimit: 100,
		PurgePatternLimit: 50, PrefetchRequestLimit: "2/m", PrefetchPatternLimit: 100}
	if err != nil || limits != want {
		t.Errorf("got %+v, %v\nwant %+v", limits, err, want)
	}
	if got.path != "/cdn/clients/me/limits" {
		t.Errorf("read %s", got.path)
	}
}

// TestDecodesTheDocumentedHistory: both documented forms of the history, a
// plain list and a page, list full URLs; the client reads them as the paths
// a purge sends.
func TestDecodesTheDocumentedHistory(t *testing.T) {
	want := []gcoreapi.PurgeRecord{{
		ID: 1, Status: gcoreapi.StatusSuccessful, ResourceID: 1, CName: "cdn.site.com", Type: gcoreapi.PurgeByURL,
		Items: []string{"/path1/file1.jpg", "/path-18/file2.jpg"}, Created: time.Date(2021, 10, 29, 13, 21, 1, 550849000, time.UTC),
	}}
	for _, name := range []string{"purge_statuses_list.json", "purge_statuses_page.json"} {
		client, _ := serve(t, http.StatusOK, nil, fixture(t, name))
		got, err := client.PurgeStatuses(context.Background(), gcoreapi.PurgeStatusQuery{CName: "cdn.site.com"})
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, %v\nwant %+v", name, got, err, want)
		}
	}
}

// TestListsCDNResourcesByDeliveryDomain: the document's list answers, plain
// and paginated, read for a cname; deleted resources and other domains are
// never chosen.
func TestListsCDNResourcesByDeliveryDomain(t *testing.T) {
	resource, deleted := fixture(t, "resource.json"), fixture(t, "resource_deleted.json")
	for name, body := range map[string]string{
		"plain list": "[" + resource + "," + deleted + "]",
		"page":       `{"count": 2, "next": null, "previous": null, "results": [` + resource + "," + deleted + "]}",
	} {
		for cname, want := range map[string][]int64{"cdn.site.com": {220}, "CDN.site.com": {220}, "cdn2.site.com": nil, "cdn1.yoursite.com": nil} {
			client, got := serve(t, http.StatusOK, nil, body)
			listed, err := client.CDNResourcesNamed(context.Background(), cname)
			var ids []int64
			for _, r := range listed {
				ids = append(ids, r.ID)
			}
			if err != nil || !reflect.DeepEqual(ids, want) {
				t.Errorf("%s, %s: got %v, %v; want %v", name, cname, ids, err, want)
			}
			if got.path != "/cdn/resources" || got.query != "cname="+url.QueryEscape(cname) {
				t.Errorf("asked %s?%s", got.path, got.query)
			}
		}
	}
}
