// Added for redis-go (see PATCH.md); not part of gnet v2.10.0.

//go:build linux

package netpoll

import (
	"sync"
	"testing"
	"time"

	errorx "github.com/panjf2000/gnet/v2/pkg/errors"
	"github.com/panjf2000/gnet/v2/pkg/queue"
)

// TestBeforeWaitEndsEachTurn: BeforeWait runs after the turn's tasks,
// once a turn, on the polling goroutine, and work it schedules by setting
// a flag (as the server's beforeSleep does) needs no wake-up of its own.
func TestBeforeWaitEndsEachTurn(t *testing.T) {
	p, err := OpenPoller()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var (
		mu    sync.Mutex
		trail []string
	)
	note := func(s string) {
		mu.Lock()
		trail = append(trail, s)
		mu.Unlock()
	}
	pending := false // touched by the polling goroutine only
	turns := make(chan struct{}, 16)
	p.BeforeWait = func() {
		if pending {
			pending = false
			note("flush")
		}
		note("end")
		turns <- struct{}{}
	}
	done := make(chan error, 1)
	go func() { done <- p.Polling(func(int, IOEvent, IOFlags) error { return nil }) }()
	for i := 0; i < 3; i++ {
		flush := i != 1
		_ = p.Trigger(queue.LowPriority, func(any) error {
			note("task")
			pending = flush
			return nil
		}, nil)
		select {
		case <-turns:
		case <-time.After(10 * time.Second):
			t.Fatal("no BeforeWait after a turn with a task")
		}
	}
	_ = p.Trigger(queue.LowPriority, func(any) error { return errorx.ErrEngineShutdown }, nil)
	if err := <-done; err != errorx.ErrEngineShutdown {
		t.Fatalf("Polling returned %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"task", "flush", "end", "task", "end", "task", "flush", "end"}
	if len(trail) != len(want) {
		t.Fatalf("trail %v, want %v", trail, want)
	}
	for i := range want {
		if trail[i] != want[i] {
			t.Fatalf("trail %v, want %v", trail, want)
		}
	}
}
