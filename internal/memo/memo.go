// Package memo reads a value once per key and keeps the outcome, failures
// included: callers that ask while the read is in flight share it, later
// callers get its outcome. The provider reads the account limits and each
// CDN resource so, once per provider instance. It knows nothing of
// Terraform.
package memo

import (
	"context"
	"sync"
	"time"
)

// Cache holds the outcome of one read per key. It is safe for concurrent use.
type Cache[K comparable, V any] struct {
	read    func(ctx context.Context, key K) (V, error)
	timeout time.Duration

	mu      sync.Mutex
	entries map[K]*entry[V]
}

type entry[V any] struct {
	done  chan struct{} // closed once value and err are set
	value V
	err   error
}

// New returns a Cache that reads with read, each read bounded by timeout
// (none when it is zero).
func New[K comparable, V any](read func(ctx context.Context, key K) (V, error), timeout time.Duration) *Cache[K, V] {
	return &Cache[K, V]{read: read, timeout: timeout, entries: make(map[K]*entry[V])}
}

// Get returns the outcome of the read of key, starting it on first use. The
// read runs with a context that no caller's end cancels (the values of ctx,
// such as a logger, are kept), so that one caller giving up never fails the
// others; a caller whose ctx ends first returns ctx's error.
func (c *Cache[K, V]) Get(ctx context.Context, key K) (V, error) {
	c.mu.Lock()
	e, started := c.entries[key]
	if !started {
		e = &entry[V]{done: make(chan struct{})}
		c.entries[key] = e
		go c.fill(context.WithoutCancel(ctx), key, e)
	}
	c.mu.Unlock()
	select {
	case <-e.done:
		return e.value, e.err
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// Known returns the outcome of the read of key when it is over; ok is false
// while it is not (or never started).
func (c *Cache[K, V]) Known(key K) (value V, err error, ok bool) {
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e == nil {
		return value, nil, false
	}
	select {
	case <-e.done:
		return e.value, e.err, true
	default:
		return value, nil, false
	}
}

func (c *Cache[K, V]) fill(ctx context.Context, key K, e *entry[V]) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	e.value, e.err = c.read(ctx, key)
	close(e.done)
}
