// Package sink joins a mode schedule to the sinks' listeners and request handlers.
package sink

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"tracesim.dev/validation/standins/internal/modal"
	"tracesim.dev/validation/standins/internal/schedule"
	"tracesim.dev/validation/standins/internal/tidylog"
)

// HangEnd says what happens to requests held in a hang when the hang ends.
type HangEnd string

const (
	// HangReset: the held connections are reset (RST) and the requests never get an
	// answer, as when a hung Elasticsearch node or collector is restarted or its
	// connections are torn down. The default: the client sees an error for every request
	// it sent during the hang, as it would after a real hang, and no late successes.
	HangReset HangEnd = "reset"
	// HangAnswer: the held requests are answered (normally) when the hang ends, as a
	// process that was paused (SIGSTOP, a long GC pause, a stalled disk) and resumes.
	HangAnswer HangEnd = "answer"
)

// Sink is the shared machinery.
type Sink struct {
	Ctl       *schedule.Controller
	Log       *tidylog.Log
	Listeners []*modal.Listener
	HangEnd   HangEnd

	Requests *atomic.Int64 // requests received (headers read)
	Hung     *atomic.Int64 // requests held by a hang
	Resets   *atomic.Int64 // connections reset (refuse, hang end)
	holding  atomic.Int64
}

// New makes the sink and its common counters.
func New(ctl *schedule.Controller, lg *tidylog.Log, hangEnd HangEnd) (*Sink, error) {
	if hangEnd != HangReset && hangEnd != HangAnswer {
		return nil, fmt.Errorf("--hang-end must be reset or answer, not %q", hangEnd)
	}
	s := &Sink{Ctl: ctl, Log: lg, HangEnd: hangEnd}
	s.Requests = lg.Counter("requests")
	s.Hung = lg.Counter("requests_hung")
	s.Resets = lg.Counter("conns_reset")
	ctl.OnChange(s.change)
	return s, nil
}

func (s *Sink) change(prev, next *schedule.Period) {
	detail := next.Mode.String()
	if prev == nil {
		s.Log.Event("mode", detail)
	} else {
		s.Log.Event("mode", detail+" (after "+prev.Mode.String()+" for "+
			strconv.FormatFloat(next.Start.Sub(prev.Start).Seconds(), 'f', 3, 64)+"s)")
	}
	if prev != nil && prev.Mode.Kind == schedule.Hang && s.HangEnd == HangReset && next.Mode.Kind != schedule.Refuse {
		n := 0
		for _, l := range s.Listeners {
			n += l.ResetAll()
		}
		s.Resets.Add(int64(n))
		s.Log.Event("hang_end_reset", fmt.Sprintf("conns=%d held_requests=%d", n, s.holding.Load()))
	}
	if next.Mode.Kind == schedule.Refuse {
		n := 0
		for _, l := range s.Listeners {
			n += l.Refuse()
		}
		s.Resets.Add(int64(n))
		s.Log.Event("listener_closed", fmt.Sprintf("conns_reset=%d", n))
	} else if prev != nil && prev.Mode.Kind == schedule.Refuse {
		for _, l := range s.Listeners {
			if err := l.Reopen(); err != nil {
				s.Log.Event("reopen_failed", l.AddrString()+": "+err.Error())
			}
		}
		s.Log.Event("listener_reopened", "")
	}
}

// Gate applies the mode in force to one request: it holds a request in a hang, delays
// it when slow. It returns the mode to answer with (Up, Slow or Error) and true, or false
// when the request must get no answer (its connection is reset or the client left).
//
// ctx is the request's context. For HTTP/1.1 it ends only when the client closes the
// connection: the request is then dropped at once. A gRPC request's context also ends at
// the deadline the client sent (grpc-timeout); an answer sent then could reach the client
// before its own timer fires, so grpcDeadline=true ignores ctx and holds the request for
// the whole hang or delay, as a real hung or slow server would.
func (s *Sink) Gate(ctx context.Context, grpcDeadline bool) (schedule.Mode, bool) {
	done := ctx.Done()
	if grpcDeadline {
		done = nil
	}
	p := s.Ctl.Current()
	switch p.Mode.Kind {
	case schedule.Hang:
		s.Hung.Add(1)
		s.holding.Add(1)
		defer s.holding.Add(-1)
		select {
		case <-p.Done:
		case <-done:
			return p.Mode, false
		}
		if s.HangEnd == HangReset || ctx.Err() != nil {
			return p.Mode, false
		}
		return schedule.Mode{Kind: schedule.Up}, true
	case schedule.Slow:
		t := time.NewTimer(p.Mode.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-done:
			return p.Mode, false
		}
		if ctx.Err() != nil {
			return p.Mode, false
		}
		return p.Mode, true
	case schedule.Refuse:
		// A request that raced the listener's closing: its connection is being reset
		// (the mode is current just before the hook resets the connections); wait for it.
		time.Sleep(200 * time.Millisecond)
		return p.Mode, false
	}
	return p.Mode, true
}

type connKey struct{}

// HTTPServer makes an http.Server whose handlers can find their connection (to reset it).
func HTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler: h,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, connKey{}, c)
		},
		ReadHeaderTimeout: 0,
		IdleTimeout:       0,
		MaxHeaderBytes:    1 << 20,
	}
}

// AbortHTTP ends a request with no answer: the connection is closed (reset if it is the
// listener's) and net/http writes nothing.
func AbortHTTP(r *http.Request) {
	if c, ok := r.Context().Value(connKey{}).(interface{ Close() error }); ok {
		if rc, ok := c.(interface{ Reset() }); ok {
			rc.Reset()
		} else {
			c.Close()
		}
	}
	panic(http.ErrAbortHandler)
}
