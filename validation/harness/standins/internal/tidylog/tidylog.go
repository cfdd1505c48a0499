// Package tidylog writes the sinks' and loadgen's event log: a tidy CSV with the header
// t_s,event,detail (t_s in seconds since start, 3 decimals), mode changes as they happen
// and, every second, one row per counter with its count over that second.
package tidylog

import (
	"encoding/csv"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Log is the CSV log and its counters.
type Log struct {
	t0    time.Time
	mu    sync.Mutex
	w     *csv.Writer
	f     io.Closer
	names []string
	ctrs  []*atomic.Int64
	last  []int64
	stop  chan struct{}
	done  chan struct{}
}

// Open opens path (empty: no file, only stderr for events).
func Open(path string, t0 time.Time) (*Log, error) {
	l := &Log{t0: t0, stop: make(chan struct{}), done: make(chan struct{})}
	if path != "" {
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		l.f = f
		l.w = csv.NewWriter(f)
		l.w.Write([]string{"t_s", "event", "detail"})
		l.w.Flush()
	}
	return l, nil
}

// Counter registers a per-second counter named name.
func (l *Log) Counter(name string) *atomic.Int64 {
	c := new(atomic.Int64)
	l.mu.Lock()
	l.names = append(l.names, name)
	l.ctrs = append(l.ctrs, c)
	l.last = append(l.last, 0)
	l.mu.Unlock()
	return c
}

// T is seconds since start.
func (l *Log) T() float64 { return time.Since(l.t0).Seconds() }

// Event logs an event now, to the CSV and to stderr with a wall-clock timestamp.
func (l *Log) Event(event, detail string) {
	now := time.Now()
	t := now.Sub(l.t0).Seconds()
	log.Printf("%s t=%.3fs %s %s", now.UTC().Format(time.RFC3339Nano), t, event, detail)
	l.row(t, event, detail)
}

func (l *Log) row(t float64, event, detail string) {
	if l.w == nil {
		return
	}
	l.mu.Lock()
	l.w.Write([]string{strconv.FormatFloat(t, 'f', 3, 64), event, detail})
	l.w.Flush()
	l.mu.Unlock()
}

// Start writes the counters every second on the second after t0.
func (l *Log) Start() {
	go func() {
		defer close(l.done)
		for i := 1; ; i++ {
			select {
			case <-time.After(time.Until(l.t0.Add(time.Duration(i) * time.Second))):
				l.flushCounters(float64(i))
			case <-l.stop:
				l.flushCounters(l.T())
				return
			}
		}
	}()
}

func (l *Log) flushCounters(t float64) {
	l.mu.Lock()
	n := len(l.ctrs)
	l.mu.Unlock()
	for i := 0; i < n; i++ {
		v := l.ctrs[i].Load()
		d := v - l.last[i]
		l.last[i] = v
		l.row(t, l.names[i], strconv.FormatInt(d, 10))
	}
}

// Close writes the last partial second and closes the file.
func (l *Log) Close() {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w != nil {
		l.w.Flush()
		l.f.Close()
		l.w = nil
	}
}

// Totals is "name=total ..." of every counter.
func (l *Log) Totals() string {
	s := ""
	for i, n := range l.names {
		s += fmt.Sprintf("%s=%d ", n, l.ctrs[i].Load())
	}
	return s
}
