package simulator

import "github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"

// CompressedLimits are Gcore's documented purge and prefetch limits
// compressed from minutes to seconds: 2 purges by URL, 1 by pattern or of
// everything, and 1 prefetch a second and CDN resource. The provider's live
// tests, make bench and make demo run against them, so that rate-limit waits
// take seconds, not minutes.
var CompressedLimits = gcoreapi.AccountLimits{PurgeByURLsRequestLimit: "2/s", PurgeRequestLimit: "1/s", PrefetchRequestLimit: "1/s"}
