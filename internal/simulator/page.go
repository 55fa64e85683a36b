package simulator

import (
	"net/http"
	"net/url"
	"strconv"
)

// paginatedResponse is the reference's PaginatedResponse: one page of a
// list, with the addresses of the pages beside it (null at either end).
type paginatedResponse[T any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// listAnswer answers items as the reference's list endpoints do: a plain
// list, or, when the request gives a limit, the page its limit and offset
// name, of at most maxLimit items.
func listAnswer[T any](r *http.Request, items []T, maxLimit int) answer {
	q := r.URL.Query()
	limit, paged := pageLimit(q.Get("limit"), maxLimit)
	if !paged {
		return jsonAnswer(items)
	}
	offset := nonNegative(q.Get("offset"))
	start := min(offset, len(items))
	end := min(start+limit, len(items))
	page := paginatedResponse[T]{Count: len(items), Results: items[start:end]}
	if end < len(items) {
		page.Next = pageURL(r, limit, end)
	}
	if offset > 0 {
		page.Previous = pageURL(r, limit, max(offset-limit, 0))
	}
	return jsonAnswer(page)
}

// pageLimit reads the limit as the API's framework does: one that is not a
// positive integer is no limit (the whole list, unwrapped), and a larger one
// than the most a page holds is cut to it.
func pageLimit(raw string, maxLimit int) (int, bool) {
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		return 0, false
	}
	return min(n, maxLimit), true
}

// nonNegative reads an offset; one that cannot be read is 0.
func nonNegative(raw string) int {
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// pageURL is the address of another page of the same query, absolute, as the
// API writes next and previous. Like the API's framework, the first page's
// address has no offset.
func pageURL(r *http.Request, limit, offset int) *string {
	q := r.URL.Query()
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	if offset == 0 {
		q.Del("offset")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
	return ptr(u.String())
}
