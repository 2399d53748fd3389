package db

// Error replies shared by many commands, exactly as Redis spells them.
const (
	ErrWrongType      = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax         = "ERR syntax error"
	ErrNotInteger     = "ERR value is not an integer or out of range"
	ErrNotFloat       = "ERR value is not a valid float"
	ErrNoSuchKey      = "ERR no such key"
	ErrOutOfRange     = "ERR index out of range"
	ErrOverflow       = "ERR increment or decrement would overflow"
	ErrNoAuth         = "NOAUTH Authentication required."
	ErrReadOnly       = "READONLY You can't write against a read only replica."
	ErrLoading        = "LOADING Redis is loading the dataset in memory"
	ErrDBIndex        = "ERR DB index is out of range"
	ErrSameObject     = "ERR source and destination objects are the same"
	ErrTimeout        = "ERR timeout is not a float or out of range"
	ErrTimeoutNeg     = "ERR timeout is negative"
	ErrInvalidExpire  = "ERR invalid expire time in '%s' command"
	ErrNestedMulti    = "ERR MULTI calls can not be nested"
	ErrExecAbort      = "EXECABORT Transaction discarded because of previous errors."
	ErrMasterDown     = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
	ErrInvalidPass    = "WRONGPASS invalid username-password pair or user is disabled."
	ErrMisconf        = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error."
	ErrAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
)
