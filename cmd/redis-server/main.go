// Command redis-server is a drop-in replacement for Redis 7.0's server.
//
//	redis-server [/path/to/redis.conf] [--option value ...] [-]
//
// The command line is redis-server's: an optional config file ("-" reads
// the configuration from standard input), then options that override it.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"github.com/redis-go/redis-server/ae"
	"github.com/redis-go/redis-server/aof"
	"github.com/redis-go/redis-server/cluster"
	"github.com/redis-go/redis-server/config"
	"github.com/redis-go/redis-server/db"
	"github.com/redis-go/redis-server/internal/proctitle"
	"github.com/redis-go/redis-server/logger"
	"github.com/redis-go/redis-server/lua"
	"github.com/redis-go/redis-server/metrics"
	"github.com/redis-go/redis-server/rdb"
	"github.com/redis-go/redis-server/repl"
)

// Version is the Redis version this server is compatible with.
const Version = db.RedisVersion

const usage = `Usage: ./redis-server [/path/to/redis.conf] [options] [-]
       ./redis-server - (read config from stdin)
       ./redis-server -v or --version
       ./redis-server -h or --help

Examples:
       ./redis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./redis-server -
       ./redis-server /etc/redis/6379.conf
       ./redis-server --port 7777
       ./redis-server --port 7777 --replicaof 127.0.0.1 8888
       ./redis-server /etc/myredis.conf --loglevel verbose -
       ./redis-server /etc/myredis.conf --loglevel verbose
`

func main() {
	// The process title is written over the arguments' memory: os.Args
	// gets a copy first (see setTitle).
	argv0 := unsafe.Pointer(unsafe.StringData(os.Args[0]))
	proctitle.CloneArgs()
	// Run as redis-check-rdb (Debian links redis-server and
	// redis-sentinel to that name), it checks an RDB file, as Redis's.
	if strings.Contains(filepath.Base(os.Args[0]), "redis-check-rdb") {
		os.Exit(rdb.CheckMain(os.Args))
	}
	os.Exit(run(os.Args[1:], argv0))
}

// setTitle sets the process title from proc-title-template, as Redis's
// redisSetProcTitle: "redis-server *:6379" in ps and /proc/<pid>/cmdline,
// {title} being the executable's name as it was started. argv0 is where
// the command line's memory starts.
func setTitle(cfg *config.Config, argv0 unsafe.Pointer) {
	if err := proctitle.Set(argv0, cfg.ProcTitle(os.Args[0])); err != nil {
		logger.Verbosef("Cannot set the process title: %v", err)
	}
}

func run(args []string, argv0 unsafe.Pointer) int {
	if len(args) == 1 {
		switch args[0] {
		case "-v", "--version":
			fmt.Printf("Redis server v=%s sha=00000000:0 malloc=libc bits=64 build=0\n", Version)
			return 0
		case "-h", "--help":
			fmt.Fprint(os.Stderr, usage)
			return 0
		}
	}
	cfg, err := loadConfig(args)
	if err != nil {
		if err != errSilent {
			fmt.Fprint(os.Stderr, err)
		}
		return 1
	}
	if cfg.Bool("daemonize") && os.Getenv(daemonEnv) == "" {
		return daemonize()
	}
	if err := setupLogging(cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logger.Child(logger.Warning, "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
	logger.Child(logger.Warning, "Redis version=%s, bits=64, commit=00000000, modified=0, pid=%d, just started", Version, os.Getpid())
	if len(args) == 0 {
		logger.Child(logger.Warning, "Warning: no config file specified, using the default config. In order to specify a config file use %s /path/to/redis.conf", os.Args[0])
	} else {
		logger.Child(logger.Warning, "Configuration loaded")
	}
	if dir := cfg.String("dir"); dir != "" {
		if err := os.Chdir(dir); err != nil {
			logger.Warningf("Can't chdir to '%s': %v", dir, err)
			return 1
		}
	}
	for _, name := range cfg.Unsupported() {
		logger.Warningf("Config directive '%s' is accepted but not implemented yet: it has no effect", name)
	}
	if pid := cfg.String("pidfile"); pid != "" {
		if err := os.WriteFile(pid, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
			logger.Warningf("Failed to write PID file: %v", err)
		}
		defer os.Remove(pid)
	}

	defer startProfile()()
	if os.Getenv("GOMAXPROCS") == "" {
		db.ManageProcs()
	}
	db.ManageMemory()
	srv := db.NewServer(cfg)
	for _, args := range cfg.Directives("rename-command") {
		if err := srv.RenameCommand(args[0], args[1]); err != nil { // checked as the file was read
			logger.Warningf("rename-command %s %s: %v", args[0], args[1], err)
			return 1
		}
	}
	if !srv.LoadACLAtStartup() {
		return 1
	}
	installConfigHooks(cfg, srv)
	_ = srv.ApplyOOMScoreAdj() // an error was logged, and the server runs on, as Redis's
	port := int(cfg.Int("port"))
	addrs, optional := ae.ListenAddrs(cfg.Strings("bind"), port, cfg.String("unixsocket"))
	var usable []string
	for i, a := range addrs {
		if err := ae.CheckListen(a); err != nil {
			if optional[i] {
				continue
			}
			logger.Warningf("Warning: Could not create server TCP listening socket %s: %v", strings.TrimPrefix(a, "tcp://"), err)
			logger.Warningf("Failed listening on port %d (tcp), aborting.", port)
			return 1
		}
		usable = append(usable, a)
	}
	if cfg.ReplicaOf().Host != "" { // log lines show the role from here on
		logger.SetRole('S')
	}
	logger.Noticef("monotonic clock: POSIX clock_gettime")
	if len(usable) == 0 { // port 0 and no unixsocket, as Redis's initServer
		logger.Warningf("Configured to not listen anywhere, exiting.")
		return 1
	}
	showLogo(cfg, port)
	logger.Warningf("Server initialized")
	setTitle(cfg, argv0)
	cfg.OnChange("proc-title-template", func() error { setTitle(cfg, argv0); return nil })
	loop := ae.New(srv, usable, port)
	// CONFIG SET port and bind listen anew, as Redis's changeListenPort
	// and changeBindAddr: the new addresses first, then the old ones go.
	relisten := func(msg string) func() error {
		return func() error {
			p := int(cfg.Int("port"))
			addrs, optional := ae.ListenAddrs(cfg.Strings("bind"), p, cfg.String("unixsocket"))
			if err := loop.Relisten(addrs, optional, p); err != nil {
				logger.Warningf("Warning: Could not create server TCP listening socket: %v", err)
				return errors.New(msg)
			}
			return nil
		}
	}
	cfg.OnChange("port", relisten("Unable to listen on this port. Check server logs."))
	cfg.OnChange("bind", relisten("Failed to bind to specified addresses."))
	persistence := rdb.Attach(srv) // before replication, which uses it
	appendOnly := aof.Attach(srv)
	lua.Attach(srv)
	replication := repl.New(srv, loop)
	if err := metrics.Attach(srv).Start(); err != nil {
		logger.Warningf("%v", err)
		return 1
	}
	var clusterMode *cluster.Cluster
	if cfg.Bool("cluster-enabled") {
		cl, err := cluster.Attach(srv, replication)
		if err != nil {
			return 1
		}
		clusterMode = cl
		// A replica by nodes.conf loads its data and waits for the
		// cluster's cron to name its master as a replica: keys past their
		// TTL are kept, not expired (Redis's iAmMaster()).
		srv.IsReplica = cl.MyselfIsReplica()
	}
	var startup *rdb.StartupLoad    // the dump file, loaded once we listen
	var aofStartup *aof.StartupLoad // or the AOF
	switch {
	case appendOnly.Enabled() && clusterMode == nil: // the AOF, not the dump file, is the data
		aofStartup = appendOnly.BeginStartupLoad()
	case appendOnly.Enabled():
		if err := appendOnly.LoadAtStartup(); err != nil {
			return 1
		}
	case clusterMode != nil: // the node checks its slots against its keys first
		if err := persistence.LoadAtStartup(); err != nil {
			logger.Warningf("%v", err)
			return 1
		}
		if clusterMode.VerifyWithData() != nil {
			return 1
		}
	default:
		var err error
		if startup, err = persistence.BeginStartupLoad(); err != nil {
			logger.Warningf("%v", err)
			return 1
		}
	}

	loop.OnListening = func() {
		if startup == nil && aofStartup == nil {
			logger.Noticef("Ready to accept connections")
		}
	}
	loop.OnReady = replication.Start
	if aofStartup != nil {
		// As Redis, serve clients (-LOADING) between the AOF's commands;
		// the goroutine reads and parses, the loop replays.
		aofStartup.Loaded = func() {
			logger.Noticef("Ready to accept connections")
			replication.Start()
		}
		loop.OnReady = func() {
			go func() {
				err := aofStartup.Run(func(fn func()) {
					done := make(chan struct{})
					loop.Execute(func() {
						fn()
						close(done)
					})
					<-done
				})
				if err != nil {
					loop.Execute(func() { os.Exit(1) })
				}
			}()
		}
	}
	if startup != nil {
		// As Redis, listen while the dump file loads and answer -LOADING;
		// replication starts once the data (and the master it came from)
		// is in place.
		loop.OnReady = func() {
			go func() {
				startup.Run()
				loop.Execute(func() {
					if err := startup.Finish(); err != nil {
						logger.Warningf("%v", err)
						os.Exit(1)
					}
					logger.Noticef("Ready to accept connections")
					replication.Start()
				})
			}()
		}
	}
	// SIGSEGV, SIGABRT... from outside: Redis's bug report, then death by
	// the signal (db/crash.go).
	crashes := make(chan os.Signal, 1)
	signal.Notify(crashes, db.CrashSignals()...)
	go func() {
		sig := <-crashes
		srv.CrashOnSignal(sig.(syscall.Signal))
	}()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for sig := range sigs {
			name := "SIGTERM"
			if sig == syscall.SIGINT {
				name = "SIGINT"
			}
			if sig == syscall.SIGINT && srv.ShutdownAsked() {
				// The second Ctrl-C, while the server is still busy with the
				// first (the final save): exit at once, as Redis's
				// sigShutdownHandler, leaving no temp file.
				logger.FromSignalHandler(logger.Warning, "You insist... exiting now.")
				os.Remove(fmt.Sprintf("temp-%d.rdb", os.Getpid()))
				os.Exit(1)
			}
			srv.SignalShutdown(sig == syscall.SIGINT)
			loop.Execute(func() {
				msg := "Received " + name + " scheduling shutdown..."
				if srv.Loading {
					msg = "Received shutdown signal during loading, scheduling shutdown."
				}
				logger.FromSignalHandler(logger.Warning, msg)
				srv.ServeShutdownSignal()
			})
		}
	}()
	if err := loop.Run(); err != nil {
		logger.Warningf("Event loop stopped: %v", err)
		return 1
	}
	logger.Warningf("Redis is now ready to exit, bye bye...")
	return 0
}

// loadConfig reads the configuration the way redis-server's main() does:
// the config file (or "-" for standard input), then the options.
func loadConfig(args []string) (*config.Config, error) {
	cfg := config.New()
	cfg.CheckDirective("rename-command", db.CheckRenames())
	if err := cfg.LoadArgs(args); err != nil {
		var oe *config.OpenError
		if errors.As(err, &oe) {
			logger.Warningf("%s", oe.Error())
			return nil, errSilent
		}
		return nil, err
	}
	cfg.MarkSupported(supportedDirectives...)
	return cfg, nil
}

// errSilent is a startup failure already reported in the log.
var errSilent = errors.New("")

func setupLogging(cfg *config.Config) error {
	if lvl, ok := logger.ParseLevel(cfg.String("loglevel")); ok {
		logger.SetLevel(lvl)
	}
	if f := cfg.String("logfile"); f != "" {
		// A relative path is in dir, where Redis has already gone when it
		// opens the log.
		path := f
		if !filepath.IsAbs(path) {
			path = filepath.Join(cfg.String("dir"), f)
			if wd, err := os.Getwd(); err == nil && !filepath.IsAbs(path) {
				path = filepath.Join(wd, path)
			}
		}
		if err := logger.SetFile(path); err != nil {
			return fmt.Errorf("Can't open the log file: %v", err)
		}
	}
	return nil
}

// installConfigHooks applies run-time CONFIG SET changes to the server.
func installConfigHooks(cfg *config.Config, srv *db.Server) {
	for _, name := range []string{"requirepass", "proto-max-bulk-len", "client-query-buffer-limit",
		"maxclients", "replica-read-only", "replica-serve-stale-data", "hz", "slowlog-max-len",
		"slowlog-log-slower-than", "notify-keyspace-events"} {
		cfg.OnChange(name, srv.SettingsChanged)
	}
	cfg.OnChange("loglevel", func() error {
		if lvl, ok := logger.ParseLevel(cfg.String("loglevel")); ok {
			logger.SetLevel(lvl)
		}
		return nil
	})
	cfg.OnChange("dir", func() error { return os.Chdir(cfg.String("dir")) })
	for _, name := range []string{"oom-score-adj", "oom-score-adj-values"} {
		cfg.OnChange(name, func() error {
			if srv.ApplyOOMScoreAdj() != nil {
				return errors.New("Failed to set current oom_score_adj. Check server logs.")
			}
			return nil
		})
	}
	cfg.OnUnsupportedSet(func(name string) {
		logger.Warningf("CONFIG SET '%s' is accepted but not implemented yet: it has no effect", name)
	})
}
