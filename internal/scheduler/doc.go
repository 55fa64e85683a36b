// Package scheduler is the engine behind every purge and prefetch of one
// provider instance. It queues jobs per CDN resource and Kind (the three
// purge types and prefetch), merges the jobs that wait together into as few
// API requests as the limits allow, and sends each request only when the
// rate limit has room for it, so that the provider alone never provokes a
// 429. It knows nothing of Terraform: its errors state what happened, and
// the caller says what to do about it.
//
// # Queues and workers
//
// The first job to reach an idle queue starts its worker, a goroutine that
// waits for the gather window (Options.GatherWindow, so that jobs started
// together share a request) and for room in the rate window, sends one
// request carrying as many waiting items as one request may hold, and
// repeats until the queue is empty; then it ends. A worker sends one request
// at a time and retries it in place.
//
// # Rate windows
//
// Each queue has its own sliding window: at most Rate.Requests requests in
// any span of Rate.Window plus a skew margin (Options.SkewMargin), which
// absorbs clock skew and bucket rounding on the API's side.
//
// A request occupies the window from the moment it is sent: its worker sends
// nothing else until it is answered. Once answered it is recorded at the time
// of the answer, the latest moment at which the API may have counted it, so
// a slow answer pushes the next request back by as much. Requests that failed
// with a 5xx, a lost connection or an attempt timeout stay counted, since the
// API may have counted them; one that never reached the API
// (gcoreapi.NeverReachedAPI) does not. A request answered 429 is not counted
// (the API refused it); instead the queue is blocked for the wait the answer
// asks (gcoreapi.Error.RetryAfter), but never less than the spacing of the
// limit, plus the margin; or, when it asks none, for one full window from the
// answer: another client is using the quota and how much it used cannot be
// known.
//
// # Limits
//
// The account's limits are read once per Scheduler, when the first job
// arrives (Scheduler.Limits). A rate the account gives holds; a missing or
// malformed one, or all of them when the call fails, falls back to the
// documented one (gcoreapi.PurgeType.DocumentedRate,
// gcoreapi.DocumentedPrefetchRate). An item limit holds only when it is no
// higher than the documented one (gcoreapi.MaxURLsPerRequest and the others):
// Gcore's own reference gives an account figure above what one request may
// carry.
//
// # Merging
//
// A request carries the items of the waiting jobs in the order the jobs
// arrived, each item once, up to the item limit; what does not fit waits for
// the next request. An item that a later job shares with the request is
// settled for it too, wherever it stands in its list. Building a request
// costs what it carries, not what the jobs have left: each job's items are
// taken from the head of its list, and the jobs waiting for an item are
// indexed by item, so that a job of 100,000 URLs is scheduled in linear time. A purge of everything also carries every URL and pattern
// job of its CDN resource still waiting in a queue when it is built: they
// succeed when it is accepted. It settles no prefetch, which loads files
// rather than clears them. A job succeeds when every request carrying its
// items was accepted and fails with the error of the first one that failed;
// all the jobs of a failed request get its error.
//
// # Failures
//
// What follows a failure is retry.Policy's decision, shared with the wait
// for completion: a 429 is waited out as above and retried, however often,
// until the job's deadline; a 5xx, a transport error or an attempt timeout
// is retried with the policy's backoff, still within the window, up to its
// number of attempts; the retry goes out at the later of the backoff's end
// and the window's room, and the progress and the log say which decided.
// Anything else fails the request at once. A request whose jobs have all
// given up is not retried.
//
// # Partial progress
//
// A job whose items need several requests reports in Result.Accepted the
// items of every request the API accepted, also when it fails or its context
// ends part-way, so that a caller can keep what was done and send only the
// rest later; Result.Purges holds those purges as the API accepted them
// (gcoreapi.AcceptedPurge), for finding them in the purge history. A job
// whose context ends while an attempt carrying its items awaits its answer
// waits for that answer (at most the attempt timeout): a request with no
// answer counts as not accepted, and one answered 201 is never reported as
// lost. Limits.Estimate gives the least time a job takes at the limits in
// force, for callers that must refuse work that cannot finish in time.
//
// # Deadlines
//
// A job's context bounds it. When it ends, the job leaves its queue at once
// (items only it asked for are not sent) and Send returns a *TimeoutError,
// which names the failure (a 429, a 5xx, a transport error) its request was
// waiting to retry, if any, and when that retry was due. A job whose deadline
// would pass before its request's retry goes out does not wait for it: it
// fails as soon as the retry is planned, with the same error. Requests are
// sent with a context of their own, bounded by the attempt timeout, so one
// job giving up never cancels a request other jobs share.
package scheduler
