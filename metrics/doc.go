// Package metrics is the server's built-in metrics endpoint and status
// page, which Redis does not have: an HTTP listener on its own port
// (metrics-port, metrics-bind; off by default) that serves
//
//   - /metrics: the Prometheus text format, with the metric names and
//     labels of the community redis_exporter 1.45 (exporter.go), so that
//     its dashboards and alerts work without a sidecar, plus this
//     server's own redis_go_* metrics (replication.go): per-replica lag
//     in bytes and seconds, how many seconds of writes the backlog
//     covers, and the progress of full syncs on both ends;
//   - /status.json: the replication tree this node sees (tree.go);
//   - /: a page that draws that tree and polls /status.json (page/).
//
// The HTTP server runs on its own goroutines and never touches the
// server's data: every request hands a function to the event loop
// (db.Server.Loop.Execute) that copies what it needs — the text of INFO
// everything, replication's Status, a few settings — and the request
// formats it on its own goroutine. The numbers are therefore INFO's, as a
// scraping redis_exporter would see them, taken at one instant.
//
// The only state kept on the loop is a short history of
// (time, master_repl_offset) samples, recorded by the cron (history.go):
// the write rate, the backlog's coverage and each replica's lag in
// seconds come from it.
//
// Attach plugs a Metrics into one server (Server.Metrics, the cron, the
// CONFIG SET hooks of its two parameters); Start opens the listener if
// metrics-port is set. Nothing here is package state.
package metrics
