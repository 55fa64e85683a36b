package provider

import "testing"

// TestMissedByV0: the files whose version-0 URL differs from the one a
// browser requests, and only those, are purged again after the upgrade.
func TestMissedByV0(t *testing.T) {
	t.Parallel()
	for key, missed := range map[string]bool{
		"/app.js": false, "/my file.js": false, "/é.js": false, "/100%25.js": false, "/a~b-c_d.js": false,
		"/img/logo@2x.png": true, "/a+b.js": true, "/q=1,2;x.css": true, "/(c)/it's!.js": true, "/$x:y.js": true, "/a*.js": true,
	} {
		if got := missedByV0(key); got != missed {
			t.Errorf("missedByV0(%q) = %v, want %v", key, got, missed)
		}
	}
}
