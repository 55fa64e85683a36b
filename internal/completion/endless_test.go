package completion

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// TestEndlessHistoryEndsAtTheGrace: a history whose every page says there is
// another (and never lists the purge) is read at most
// gcoreapi.MaxPurgeStatusPages pages a poll, and the wait ends at the grace
// period with the warning: a few hundred GETs, not thousands.
func TestEndlessHistoryEndsAtTheGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var gets atomic.Int32
		client := clientOf(t, func(r *http.Request) (int, http.Header, string) {
			n := gets.Add(1)
			return http.StatusOK, nil, fmt.Sprintf(`{"count": 999999, "next": "https://api.test/cdn/purge_statuses?offset=%d", "previous": null, `+
				`"results": [{"purge_id": %d, "status": "Successful", "resource": {"id": 1, "cname": %q}, `+
				`"payload": {"urls": ["http://%s/other.js"]}, "created": "2000-01-01T00:00:00Z", "purge_type": "purge_by_url"}]}`,
				n, n, cname, cname)
		})
		start := time.Now()
		r := New(client).Wait(context.Background(), cname, []gcoreapi.AcceptedPurge{accepted(1, byURL, 0, "/a.js")}, nil)
		o := r.Outcomes[0]
		if o.State != Unconfirmed || !strings.Contains(o.Reason, "not found in the purge history within 2m0s") ||
			!strings.Contains(o.Reason, "had more than 10 pages") {
			t.Fatalf("outcome = %+v", o)
		}
		if waited := time.Since(start); waited != GracePeriod {
			t.Errorf("waited %s, want the grace period %s", waited, GracePeriod)
		}
		if n := gets.Load(); n > 300 || n%gcoreapi.MaxPurgeStatusPages != 0 {
			t.Errorf("%d GETs of the history, want whole polls of %d pages and at most a few hundred", n, gcoreapi.MaxPurgeStatusPages)
		}
		t.Logf("%d GETs in %s", gets.Load(), GracePeriod)
	})
}
