// Package scheduler is the engine behind every purge and prefetch of one
// provider instance. It queues purge jobs per CDN resource and purge type, merges the
// jobs that wait together into as few API requests as the limits allow, and
// sends each request only when the rate limit has room for it, so that the
// provider alone never provokes a 429. It knows nothing of Terraform.
//
// # Queues and workers
//
// Each (CDN resource, purge type) pair has a queue, and so have the
// prefetches of a CDN resource (gcoreapi.Prefetch). The first job to reach an
// idle queue starts its worker, a goroutine that waits for the gather window
// (so that jobs started together share a request) and for room in the rate
// window, sends one request carrying as many waiting items as one request
// may hold, and repeats until the queue is empty; then it ends. A worker
// sends one request at a time and retries it in place.
//
// # Rate windows
//
// Each queue has its own sliding window: at most Rate.Requests requests in
// any span of Rate.Window plus a skew margin. The margin absorbs clock skew
// and bucket rounding on the API's side; by default it is 1% of the window,
// at least 50ms and at most 2s (600ms for N/m, 2s for N/h, 50ms for N/s).
//
// A request occupies the window from the moment it is sent: its worker sends
// nothing else until it is answered. Once answered it is recorded at the time
// of the answer, the latest moment at which the API may have counted it, so
// a slow answer pushes the next request back by as much. Requests that failed
// with a 5xx, a lost connection or an attempt timeout stay counted, since the
// API may have counted them; one that never reached the API (no connection,
// a certificate that does not verify: gcoreapi.NeverReachedAPI) does not. A
// request answered 429 is not counted (the API refused it); instead the queue
// is blocked for the wait the answer asks (gcoreapi.Error.RetryAfter:
// Retry-After-Ms, Retry-After, or DRF's "Expected available in N seconds")
// plus the margin, or, when it asks none, for one full window (period plus
// margin) from the answer: another client is using the quota and how much it
// used cannot be known.
//
// # Account limits
//
// The limits are read once per Scheduler, when the first job arrives, with
// GET /cdn/clients/me/limits, rates in Django REST Framework's "num/period"
// form (gcoreapi.ParseRate); each field that is missing or malformed, or all
// of them when the call fails, falls back to the documented limits (by URL
// 2/m, by pattern 1/m, purge all 1/m, prefetch 1/m; 100 URLs, 10 patterns
// and 100 prefetched files a request). Pattern purges and purge-all both
// follow purge_request_limit but keep separate windows; prefetches follow
// prefetch_request_limit and prefetch_pattern_limit.
//
// # Merging
//
// A request carries the items of the waiting jobs in the order the jobs
// arrived, each item once, up to the per-request cap; what does not fit waits
// for the next request. A purge-all also carries every URL and pattern job of
// its CDN resource still waiting in a queue when it is built: they succeed
// when it is accepted. It settles no prefetch, which loads files rather than
// clears them. A job succeeds when every request carrying its items
// was accepted and fails with the error of the first one that failed; all the
// jobs of a failed request get its error.
//
// # Failures
//
// A 429 is waited out as above and retried, however often: only the job's
// deadline ends it. A 5xx, a transport error or an attempt timeout is retried
// with capped exponential backoff (equal jitter: half the delay fixed, half
// random), still within the window, up to Backoff.MaxAttempts attempts: the
// retry goes out at the later of the backoff's end and the window's room,
// computed once, and the progress and the log give that time and say which
// decided it. Any other error fails the request at once, as do an unknown
// host and a certificate that does not verify (gcoreapi.CannotHeal). A
// request whose jobs have all given up is not retried.
//
// # Partial progress
//
// A job whose items need several requests reports in Result.Accepted the
// items of every request the API accepted (answered 201), also when it fails
// or its context ends part-way, so that a caller can keep what was purged and
// send only the rest later. Result.Requests lists those requests with
// what finding them in the purge history takes: their whole payload (merged
// requests carry other jobs' items), their type and the API's own time of
// acceptance (the Date of its 201). A job whose context ends while an attempt
// carrying its items awaits its answer waits for that answer (at most the
// attempt timeout): a request with no answer counts as not accepted, and one
// answered 201 is never reported as lost. Estimate gives the least time a
// purge of n items takes at the limits in force, for callers that must refuse
// work that cannot finish in time.
//
// # Deadlines
//
// A job's context bounds it. When it ends, the job leaves its queue at once
// (items only it asked for are not sent) and Purge returns a *TimeoutError,
// which names the failure (a 429, a 5xx, a transport error) its request was
// waiting to retry, if any, and when that retry was due. A job whose deadline
// would pass before its request's retry goes out does not wait for it: it
// fails as soon as the retry is planned, with the same error.
// Requests are sent with a context of their own, bounded by the attempt
// timeout, so one job giving up never cancels a request other jobs share.
package scheduler
