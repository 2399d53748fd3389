package db

import (
	"time"
)

func init() {
	RegisterDebug("pause-cron", 3, func(c *Client) { // atoi: junk is 0
		n, _ := ParseInt(c.Argv[2])
		c.srv.pauseCron = n != 0
		c.OK()
	})
}

// Cron is Redis's serverCron, run by the loop hz times a second: the active
// expire cycle, the instantaneous metrics, timeouts of idle and blocked
// clients, and incremental rehashing.
func (s *Server) Cron() {
	if s.pauseCron {
		return
	}
	s.clock.read()
	now := time.Now()
	s.sampleStats(now)
	if s.activeExpire && !s.IsReplica {
		s.activeExpireCycle(now)
	} else if s.activeExpire && len(s.replicaKeysWithExpire) > 0 {
		s.expireReplicaKeys(now) // keys its own clients wrote (expire.go)
	}
	s.rehashSome(now)
	s.handleBlockedClientsTimeout(now)
	s.clientsCron(now) // timeouts, buffer limits, client memory (clients_cron.go)
	if s.tracking.clients > 0 {
		s.trackingLimitUsedSlots() // tracking-table-max-keys (tracking.go)
	}
	s.trackMemoryPeak()
	releaseMemoryWhenQuiet() // memrelease.go
	balanceProcs()           // snapshot.go
	s.shutdownFromSignal()
	s.finishPendingShutdown(now)
	for _, fn := range s.cronHooks { // save points, replication (seams.go)
		fn(now)
	}
	if !s.pauseUntil.IsZero() && now.After(s.pauseUntil) {
		s.unpause()
	}
}

// Active expiry, as Redis's expire.c: sample keys with an expire time,
// delete the expired ones, and go on while more than 10% of a sample had
// expired and the cycle's time budget (25% of a tick) lasts.
const (
	expireKeysPerLoop  = 20
	expireAcceptStale  = 10 // percent
	expireCyclePercent = 25
)

// activeExpireCycle is Redis 7.0's slow cycle: each db in turn (up to 16
// per call, resuming where the last call stopped) is swept with a cursor
// over its expires dict, at most keysPerLoop keys (and 20 times as many
// buckets) a round, and swept again while more than the acceptable share
// of a round had expired. active-expire-effort (1..10) raises the keys per
// round and the time budget and lowers the acceptable share. Every 16
// rounds the time used is checked against the budget, a share of the tick.
func (s *Server) activeExpireCycle(now time.Time) {
	// CLIENT PAUSE keeps the dataset as it is; so does a load, which
	// replays the AOF's history as it was (its DELs of keys that expired).
	if s.pausedNow() || s.Loading {
		return
	}
	effort := int(s.Config.Int("active-expire-effort")) - 1
	keysPerLoop := expireKeysPerLoop + expireKeysPerLoop/4*effort
	acceptStale := expireAcceptStale - effort
	budget := time.Second * time.Duration(expireCyclePercent+2*effort) / 100 / time.Duration(max(s.ConfigHz, 1))
	defer func() { s.nowMs = 0 }()
	if s.latency.threshold > 0 { // the latency monitor's expire-cycle event
		defer func(start time.Time) {
			s.LatencyAddSampleIfNeeded("expire-cycle", time.Since(start).Milliseconds())
		}(time.Now())
	}

	var dead []string
	iteration := 0
	for n := 0; n < min(len(s.DBs), 16); n++ {
		db := s.DBs[s.expireDB%len(s.DBs)]
		s.expireDB++
		for {
			iteration++
			num := db.expires.Len()
			if num == 0 {
				db.avgTTL = 0
				break
			}
			// Under 1% full the sweep would mostly visit empty buckets;
			// the dict shrinks soon.
			if slots := db.expires.Buckets(); slots > 4 && uint64(num)*100/slots < 1 {
				break
			}
			nowMs := time.Now().UnixMilli()
			s.nowMs = nowMs
			num = min(num, keysPerLoop)
			sampled, expired := 0, 0
			var ttlSum, ttlSamples int64
			for buckets := 0; sampled < num && buckets < num*20; buckets++ {
				dead = dead[:0]
				db.expiresCursor = db.expires.Scan(db.expiresCursor, func(key string, when int64) {
					sampled++
					if nowMs > when {
						dead = append(dead, key)
					} else if ttl := when - nowMs; ttl > 0 {
						ttlSum += ttl
						ttlSamples++
					}
				})
				for _, key := range dead {
					db.deleteExpired(keyBytes(key))
				}
				expired += len(dead)
			}
			if ttlSamples > 0 {
				// Redis's running average, with its quirk: a first
				// sample still gets blended with itself.
				avg := ttlSum / ttlSamples
				if db.avgTTL == 0 {
					db.avgTTL = avg
				}
				db.avgTTL = db.avgTTL/50*49 + avg/50
			}
			if iteration&0xf == 0 && time.Since(now) > budget {
				return
			}
			if sampled != 0 && expired*100/sampled <= acceptStale {
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
