package tests

// Scripts as client libraries use them: go-redis's Script runs EVALSHA
// and falls back to EVAL on NOSCRIPT, and the classic lock release (delete
// the key only if it still holds our token) stays correct under
// contention.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestScriptGoRedisEvalshaFallback(t *testing.T) {
	s := startServer(t)
	c := s.client(t, 2)
	ctx := context.Background()
	incrBy := redis.NewScript(`return redis.call('INCRBY', KEYS[1], ARGV[1])`)
	require.NoError(t, c.ScriptFlush(ctx).Err())
	// The first Run gets NOSCRIPT from EVALSHA and retries with EVAL.
	n, err := incrBy.Run(ctx, c, []string{"counter"}, 5).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(5), n)
	exists, err := incrBy.Exists(ctx, c).Result()
	require.NoError(t, err)
	require.Equal(t, []bool{true}, exists)
	n, err = incrBy.EvalSha(ctx, c, []string{"counter"}, 2).Int64()
	require.NoError(t, err)
	require.Equal(t, int64(7), n)
	for _, proto := range []int{2, 3} {
		c3 := s.client(t, proto)
		v, err := c3.Eval(ctx, `return {1, 'two', {3}, redis.status_reply('OK')}`, nil).Slice()
		require.NoError(t, err, "RESP%d", proto)
		require.Equal(t, []any{int64(1), "two", []any{int64(3)}, "OK"}, v, "RESP%d", proto)
	}
}

// TestScriptLockReleaseUnderContention: clients take a lock with SET NX
// PX and release it with the compare-and-delete script; no client ever
// deletes a lock another holds, so the critical sections never overlap.
func TestScriptLockReleaseUnderContention(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	release := redis.NewScript(`
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0`)
	var mu sync.Mutex
	inside, done := 0, 0
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := redis.NewClient(&redis.Options{Addr: s.Addr()})
			defer c.Close()
			deadline := time.Now().Add(60 * time.Second)
			for i := 0; i < 25; {
				if time.Now().After(deadline) {
					errs <- fmt.Errorf("worker %d: no lock in 60 s", w)
					return
				}
				token := fmt.Sprintf("%d-%d", w, i)
				ok, err := c.SetNX(ctx, "lock", token, 10*time.Second).Result()
				if err != nil {
					errs <- err
					return
				}
				if !ok {
					continue
				}
				mu.Lock()
				inside++
				if inside != 1 {
					errs <- fmt.Errorf("%d holders at once", inside)
				}
				mu.Unlock()
				// Someone else's token must never be deleted.
				if n, err := release.Run(ctx, c, []string{"lock"}, "not-"+token).Int64(); err != nil || n != 0 {
					errs <- fmt.Errorf("foreign release: %d %v", n, err)
				}
				mu.Lock()
				inside--
				done++
				mu.Unlock()
				if n, err := release.Run(ctx, c, []string{"lock"}, token).Int64(); err != nil || n != 1 {
					errs <- fmt.Errorf("release: %d %v", n, err)
					return
				}
				i++
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 200, done)
}
