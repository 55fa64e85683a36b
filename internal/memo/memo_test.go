package memo_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gcore-purge/terraform-provider-gcore/internal/memo"
)

func TestConcurrentCallersShareOneReadAndItsFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var reads atomic.Int32
		failure := errors.New("not found")
		c := memo.New(func(ctx context.Context, key int) (string, error) {
			reads.Add(1)
			time.Sleep(time.Second)
			return "", failure
		}, 0)
		errs := make(chan error, 40)
		for range 40 {
			go func() {
				_, err := c.Get(context.Background(), 7)
				errs <- err
			}()
		}
		for range 40 {
			if err := <-errs; !errors.Is(err, failure) {
				t.Fatalf("Get = %v, want %v", err, failure)
			}
		}
		if _, err := c.Get(context.Background(), 7); !errors.Is(err, failure) {
			t.Fatalf("a later Get = %v, want the kept failure", err)
		}
		if n := reads.Load(); n != 1 {
			t.Fatalf("%d reads, want 1", n)
		}
	})
}

func TestAReadIsBoundedAndOutlivesTheCallerThatStartedIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := memo.New(func(ctx context.Context, key string) (int, error) {
			select {
			case <-time.After(3 * time.Second):
				return len(key), nil
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}, 5*time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := c.Get(ctx, "abc"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Get with a 1s deadline = %v, want the caller's deadline", err)
		}
		if _, _, ok := c.Known("abc"); ok {
			t.Fatal("the read is known before it ended")
		}
		if n, err := c.Get(context.Background(), "abc"); n != 3 || err != nil {
			t.Fatalf("Get = %d, %v; want the read the first caller started, not cancelled by its end", n, err)
		}
		slow := memo.New(func(ctx context.Context, key string) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}, 5*time.Second)
		start := time.Now()
		if _, err := slow.Get(context.Background(), "x"); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 5*time.Second {
			t.Fatalf("Get of a read that never answers = %v after %s, want the timeout after 5s", err, time.Since(start))
		}
	})
}
