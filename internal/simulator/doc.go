// Package simulator is an in-memory fake of the Gcore CDN API, for tests and
// demos. It models the endpoints the provider uses as Gcore's API reference
// documents them:
//
//   - POST /cdn/resources/{resource_id}/purge and .../prefetch: the
//     documented bodies, rules, 400 bodies and per-resource rate limits, and
//     201 with no body;
//   - GET /cdn/resources/{resource_id} and GET /cdn/resources (with its cname,
//     secondaryHostnames, deleted, status, enabled, limit and offset
//     filters): the ResourceResponse schema, field for field;
//   - GET /cdn/clients/me/limits: the ClientsMeLimitsResponse schema, by
//     default the reference's own example answer;
//   - GET /cdn/purge_statuses (the purge history): the PurgeStatusResponse
//     schema, with its filters, a plain list or a page.
//
// Its wire types are its own, named after the reference's schemas, and its
// validation follows the rules the reference states and no others. It does
// not share code with the provider's client (internal/gcoreapi) or rules
// (internal/purgerules), so that a wrong assumption in those cannot pass on
// both sides. The provider is stricter than the API on purpose (it refuses
// white space, dot segments and so on at plan time); the simulator is not.
//
// Faults (errors, delays, dropped connections, answers lost after the API
// acted) can be queued to test a client's resilience, and every request is
// recorded for assertions. A Simulator is an http.Handler, and an
// http.RoundTripper that serves a client with no socket (inside a
// testing/synctest bubble, for instance); Start serves it on a loopback port.
// It knows nothing of Terraform.
//
// # Where the reference is silent or contradicts itself
//
// Item caps. The purge operation says 100 URLs and 10 patterns a request,
// the prefetch operation 100 paths; the limits example says
// purge_pattern_limit 50. The simulator enforces the operations' caps, or the
// account's figure when that is lower: with the default answer a purge of 30
// patterns is refused although the limits say 50, so that a client trusting
// the account's figure upwards fails its tests.
//
// Rates. The simulator enforces the rates its limits answer gives, each
// request type of each CDN resource in its own sliding window: by URL
// (purge_by_urls_request_limit), by pattern and purge all (both
// purge_request_limit, in separate windows), prefetch
// (prefetch_request_limit). The default answer says "2/m" for prefetches
// although the prefetch operation says one a minute. A rate left out of the
// answer is the operation's: 2/m by URL, 1/m by pattern, purge all and
// prefetch. Rates read as Django REST Framework reads them: only the first
// letter of the period counts. A 429 has no body and no header by default,
// as documented; WaitHint adds the forms other Gcore documents and DRF use.
//
// Bodies. An empty body reads as {}, as DRF reads it. A body that is JSON but
// not an object, and one with both "urls" and "paths", are refused in the
// form of the other errors, under "non_field_errors". Errors about "urls"
// are reported under "urls" (the reference shows only "paths"). An empty
// "urls" list, and an empty prefetch "paths", are refused ("This list may
// not be empty."): such a request would do nothing. Items must be strings
// and not blank. A purge item must start with "/"; one that starts with "//"
// and a host ("//cdn.example.com/a") names a host, not a path, and is
// refused the same way, as is one with a scheme ("///a" is a path). "*" is
// allowed only at the end of a pattern; in a URL it is an
// ordinary character. Prefetch paths need no leading "/" (the reference's
// own example prefetches "test1.jpg"), but must not name a domain (a scheme,
// or "//" and a host). The wording of an error the reference does not show is the
// simulator's own, in the documented forms. A JSON parse error gives Python's
// wording and position where they are known.
//
// CDN resources. A deleted resource answers GET like the reference's example
// of one (id, deleted, client, status, updated, cname) and is listed unless
// the deleted filter excludes it; a purge or prefetch of it answers 404
// {"message":"Not found."}, as for a resource that never existed. A
// suspended, processed or inactive resource accepts purges: nothing in the
// reference refuses them. A resource whose can_purge_by_urls is false
// refuses purges by URL with a 400 in the form of the field errors; the real
// answer is undocumented. Fields the configuration does not set have plain
// values: null where the reference allows it, else false, "", [] or {}
// (nothing shielded, secured or suspended), the documented default
// originProtocol "HTTP", and an origin group numbered as the resource;
// "enabled" (whether a user may change it) is true but for a deleted one,
// and "client" is the account's ID of the limits answer. The list applies
// the cname (exact), secondaryHostnames, deleted, status and enabled
// filters, in ID order; the reference's other filters are ignored. Without
// configured resources (Config.Resources nil) every positive ID exists as
// cdn<ID>.example.com; such an account lists only the resource a cname
// filter names.
//
// Purge history. An entry's payload.urls are full URLs,
// http://<cname><path as sent>, as in the reference's example; the host and
// the form are configurable (PayloadHost, PayloadURLs). Pattern purges list
// payload.paths as sent, a purge of everything "paths": []. Entries are kept
// a month, latest first; "created" has microseconds, written as
// 2021-10-29T13:21:01.550849Z (or, with SpacedCreated, as
// 2021-10-29 13:21:01.550849+00:00). from_created and to_created must be RFC
// 3339 times; an unreadable one, or a status or purge_type that is none of
// the documented values, is a 400 in the form of the field errors. A limit
// that is not a positive integer is no limit (a plain list); one above the
// most a page holds (100 for the history, 1000 for the resources) is cut to
// it.
//
// Authentication. "Authorization: APIKey <key>" with the scheme word in any
// case (the reference writes "apikey"); the 401 and 403 bodies are DRF's, in
// Gcore's {"message": ...} form.
package simulator
