package db

import (
	"time"
)

// Cron is Redis's serverCron, run by the loop hz times a second: the active
// expire cycle, the instantaneous metrics, timeouts of idle and blocked
// clients, and incremental rehashing.
func (s *Server) Cron() {
	now := time.Now()
	s.sampleStats(now)
	if s.activeExpire && !s.IsReplica {
		s.activeExpireCycle(now)
	}
	s.rehashSome(now)
	for _, fn := range cronHooks {
		fn(s, now)
	}
	if !s.pauseUntil.IsZero() && now.After(s.pauseUntil) {
		s.unpause()
	}
}

// cronHooks are the per-tick duties of other parts (blocked client
// timeouts, idle client timeouts, replication, save points).
var cronHooks []func(s *Server, now time.Time)

// Active expiry, as Redis's expire.c: sample keys with an expire time,
// delete the expired ones, and go on while more than 10% of a sample had
// expired and the cycle's time budget (25% of a tick) lasts.
const (
	expireKeysPerLoop  = 20
	expireAcceptStale  = 10 // percent
	expireCyclePercent = 25
)

func (s *Server) activeExpireCycle(now time.Time) {
	hz := max(s.ConfigHz, 1)
	budget := time.Second * expireCyclePercent / 100 / time.Duration(hz)
	deadline := now.Add(budget)
	s.nowMs = now.UnixMilli()
	defer func() { s.nowMs = 0 }()
	for n := 0; n < len(s.DBs); n++ {
		db := s.DBs[s.expireDB%len(s.DBs)]
		s.expireDB++
		for iter := 0; db.expires.Len() > 0; iter++ {
			sampled, expired := 0, 0
			var ttlSum, ttlN int64
			var dead [][]byte
			db.expires.Sample(expireKeysPerLoop, func(key string, when int64) {
				sampled++
				if when < s.nowMs {
					dead = append(dead, []byte(key))
					return
				}
				ttlSum += when - s.nowMs
				ttlN++
			})
			for _, k := range dead {
				db.deleteExpired(k)
				expired++
			}
			if ttlN > 0 {
				avg := ttlSum / ttlN
				if db.avgTTL == 0 {
					db.avgTTL = avg
				} else {
					db.avgTTL = (db.avgTTL/50)*49 + avg/50
				}
			}
			if iter%16 == 15 && time.Now().After(deadline) {
				return
			}
			if sampled == 0 || expired*100/sampled <= expireAcceptStale {
				break
			}
		}
	}
}

// rehashSome spends up to a millisecond moving buckets of resizing tables.
func (s *Server) rehashSome(now time.Time) {
	deadline := now.Add(time.Millisecond)
	for _, db := range s.DBs {
		for db.keys.Rehash(100) || db.expires.Rehash(100) {
			if time.Now().After(deadline) {
				return
			}
		}
	}
}

// sampleStats records the counters for instantaneous_ops_per_sec and the
// network rates, every 100 ms as Redis's trackInstantaneousMetric.
func (s *Server) sampleStats(now time.Time) {
	st := &s.Stats
	if now.Sub(st.lastSample) < 100*time.Millisecond {
		return
	}
	if !st.lastSample.IsZero() {
		ms := now.Sub(st.lastSample).Milliseconds()
		i := st.sampleIdx % len(st.opsSamples)
		st.opsSamples[i] = (st.Commands - st.lastOps) * 1000 / ms
		st.netInSamples[i] = (st.NetIn - st.lastNetIn) * 1000 / ms
		st.netOutSamples[i] = (st.NetOut - st.lastNetOut) * 1000 / ms
		st.sampleIdx++
	}
	st.lastSample, st.lastOps, st.lastNetIn, st.lastNetOut = now, st.Commands, st.NetIn, st.NetOut
}

func average(samples []int64) int64 {
	var sum int64
	for _, v := range samples {
		sum += v
	}
	return sum / int64(len(samples))
}

// InstantaneousOps is instantaneous_ops_per_sec.
func (s *Server) InstantaneousOps() int64 { return average(s.Stats.opsSamples[:]) }
