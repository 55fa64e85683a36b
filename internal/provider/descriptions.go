package provider

import (
	"fmt"

	"github.com/gcore-purge/terraform-provider-gcore/internal/gcoreapi"
)

// The descriptions of the attributes that resources and actions share, so
// that each says the same in every schema and on every docs page.
var (
	resourceIDDescription = "ID of the CDN resource whose cache is purged."
	urlsDescription       = fmt.Sprintf("Purge by URL: 1 to %d paths of files, each starting with `/`, without scheme or host "+
		"(`/app.js`, not `https://cdn.example.com/app.js`). Query strings are kept. Conflicts with `paths` and `purge_all`.",
		gcoreapi.MaxURLsPerRequest)
	pathsDescription = fmt.Sprintf("Purge by pattern: 1 to %d patterns, each starting with `/`, with `*` allowed only as the "+
		"last character (`/images/*`). Patterns are recursive. Conflicts with `urls` and `purge_all`.",
		gcoreapi.MaxPatternsPerRequest)
	purgeAllDescription = "Purge the whole cache of the CDN resource. Must be `true` when set. Conflicts with `urls` and `paths`."

	prefetchResourceIDDescription = "ID of the CDN resource whose cache the files are loaded into."
	prefetchURLsDescription       = fmt.Sprintf("The files to load into the CDN's cache: 1 to %d paths of files, each starting "+
		"with `/`, without scheme or host (`/video/intro.mp4`, not `https://cdn.example.com/video/intro.mp4`). "+
		"Query strings are kept. Exact files, never patterns.", gcoreapi.MaxPrefetchPathsPerRequest)

	waitForCompletionDescription = "After the API accepted the purge, wait until Gcore's purge history (beta) reports it " +
		"done, within the same timeout. A purge it reports failed, or still in progress at the timeout, is an error; one " +
		"it cannot confirm (status reports disabled for the account, not found in the history within 2 minutes) is a " +
		"warning. Default `false`."
)
