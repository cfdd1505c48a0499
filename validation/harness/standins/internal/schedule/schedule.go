// Package schedule parses and runs the sinks' mode schedule:
//
//	--schedule "up:30s,hang:60s,slow:500ms:20s,error:503:10s,refuse:15s,up"
//
// Segments apply in order from the sink's start; a segment's last field is its
// duration, and the last segment has none (it lasts for ever). A schedule that ends in
// `up` after a bad mode is a "recovering" schedule.
package schedule

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// Kind is one of the sink modes.
type Kind string

const (
	Up     Kind = "up"     // answer normally
	Refuse Kind = "refuse" // listening socket closed, open connections reset
	Hang   Kind = "hang"   // accept, read the request, never answer (until the mode ends)
	Slow   Kind = "slow"   // answer normally after Delay
	Error  Kind = "error"  // answer with the error Code
	// Reject (essink only): HTTP 200 to _bulk with errors:true and every item failed with
	// status Code (e.g. 429 es_rejected_execution_exception), as an overloaded ES answers.
	Reject Kind = "reject"
)

// Mode is a kind with its parameter.
type Mode struct {
	Kind  Kind
	Delay time.Duration // slow
	Code  string        // error: "503", "429", "unavailable", ...
}

func (m Mode) String() string {
	switch m.Kind {
	case Slow:
		return fmt.Sprintf("slow:%s", m.Delay)
	case Error, Reject:
		return string(m.Kind) + ":" + m.Code
	}
	return string(m.Kind)
}

// Segment is a mode held for Dur (0 = for ever, only the last segment).
type Segment struct {
	Mode Mode
	Dur  time.Duration
}

// Parse reads a schedule such as "up:30s,hang:60s,up".
func Parse(s string) ([]Segment, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return []Segment{{Mode: Mode{Kind: Up}}}, nil
	}
	parts := strings.Split(s, ",")
	segs := make([]Segment, 0, len(parts))
	for i, p := range parts {
		last := i == len(parts)-1
		f := strings.Split(strings.TrimSpace(p), ":")
		var m Mode
		m.Kind = Kind(f[0])
		rest := f[1:]
		switch m.Kind {
		case Up, Refuse, Hang:
		case Slow:
			if len(rest) == 0 {
				return nil, fmt.Errorf("segment %d %q: slow needs a delay, e.g. slow:500ms:30s", i+1, p)
			}
			d, err := time.ParseDuration(rest[0])
			if err != nil || d < 0 {
				return nil, fmt.Errorf("segment %d %q: bad delay %q", i+1, p, rest[0])
			}
			m.Delay = d
			rest = rest[1:]
		case Error, Reject:
			if len(rest) == 0 || rest[0] == "" {
				return nil, fmt.Errorf("segment %d %q: %s needs a code, e.g. %s:503:30s", i+1, p, m.Kind, m.Kind)
			}
			m.Code = strings.ToLower(rest[0])
			rest = rest[1:]
		default:
			return nil, fmt.Errorf("segment %d %q: unknown mode %q (up, refuse, hang, slow:DUR, error:CODE, reject:CODE)", i+1, p, f[0])
		}
		var dur time.Duration
		switch {
		case len(rest) == 0 && last:
		case len(rest) == 0:
			return nil, fmt.Errorf("segment %d %q: only the last segment may have no duration", i+1, p)
		case len(rest) == 1:
			d, err := time.ParseDuration(rest[0])
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("segment %d %q: bad duration %q", i+1, p, rest[0])
			}
			dur = d
		default:
			return nil, fmt.Errorf("segment %d %q: too many fields", i+1, p)
		}
		segs = append(segs, Segment{Mode: m, Dur: dur})
	}
	return segs, nil
}

// Period is one stretch of a mode. Done is closed when it ends.
type Period struct {
	Mode  Mode
	Index int
	Start time.Time
	Done  chan struct{}
}

// Controller walks a schedule in real time.
type Controller struct {
	segs  []Segment
	t0    time.Time
	mu    sync.Mutex
	cur   *Period
	hooks []func(prev, next *Period)

	startOnce sync.Once
}

// New makes a controller; call OnChange before Run.
func New(segs []Segment, t0 time.Time) *Controller {
	c := &Controller{segs: segs, t0: t0}
	c.cur = &Period{Mode: segs[0].Mode, Index: 0, Start: t0, Done: make(chan struct{})}
	return c
}

// OnChange registers a hook called (in order, synchronously) at every change, with
// the new period already current and before the previous one's Done is closed. It is also called once at Run with prev nil.
func (c *Controller) OnChange(f func(prev, next *Period)) { c.hooks = append(c.hooks, f) }

// Current is the period in force.
func (c *Controller) Current() *Period {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// T0 is the schedule's start.
func (c *Controller) T0() time.Time { return c.t0 }

// Start applies the first segment's mode (calls the hooks with prev nil) now, so that a
// schedule starting with refuse refuses before the servers serve. Run calls it if needed.
func (c *Controller) Start() {
	c.startOnce.Do(func() {
		for _, h := range c.hooks {
			h(nil, c.cur)
		}
	})
}

// Run applies the schedule until its last segment (then returns, the last mode staying).
func (c *Controller) Run() {
	c.Start()
	end := c.t0
	for i := 0; i < len(c.segs)-1; i++ {
		end = end.Add(c.segs[i].Dur)
		time.Sleep(time.Until(end))
		next := &Period{Mode: c.segs[i+1].Mode, Index: i + 1, Start: time.Now(), Done: make(chan struct{})}
		c.mu.Lock()
		prev := c.cur
		c.cur = next
		c.mu.Unlock()
		// Hooks first (e.g. reset the hung connections), then wake the waiters of prev.
		for _, h := range c.hooks {
			h(prev, next)
		}
		close(prev.Done)
	}
}
