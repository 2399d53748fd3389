package tests

// rueidis, a Go client that turns client-side caching on by default (RESP3,
// CLIENT TRACKING with OPTIN and CLIENT CACHING yes before each cached
// read), against this server: a cached read is served from the client's
// memory until another client's write invalidates it, in the default mode
// and in BCAST mode with a prefix.

import (
	"context"
	"testing"
	"time"

	"github.com/redis/rueidis"
	"github.com/stretchr/testify/require"
)

func TestRueidisClientSideCache(t *testing.T) {
	s := startServer(t)
	other := s.client(t, 2)
	ctx := context.Background()
	for _, mode := range []struct {
		name     string
		tracking []string
	}{
		{"default", nil},
		{"bcast", []string{"PREFIX", "k:", "BCAST"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			c, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{s.Addr()},
				ClientTrackingOptions: mode.tracking, DisableRetry: true})
			require.NoError(t, err)
			defer c.Close()
			key := "k:" + mode.name
			require.NoError(t, other.Set(ctx, key, "v1", 0).Err())
			get := func() rueidis.RedisResult { return c.DoCache(ctx, c.B().Get().Key(key).Cache(), time.Minute) }

			r := get()
			v, err := r.ToString()
			require.NoError(t, err)
			require.Equal(t, "v1", v)
			require.False(t, r.IsCacheHit())
			r = get()
			require.True(t, r.IsCacheHit(), "the second read comes from the cache")

			require.NoError(t, other.Set(ctx, key, "v2", 0).Err())
			require.Eventually(t, func() bool {
				v, err := get().ToString()
				return err == nil && v == "v2"
			}, 10*time.Second, 5*time.Millisecond, "the write invalidates the cached value")

			require.NoError(t, other.Del(ctx, key).Err())
			require.Eventually(t, func() bool {
				return rueidis.IsRedisNil(get().Error())
			}, 10*time.Second, 5*time.Millisecond, "the deletion too")
		})
	}
}
