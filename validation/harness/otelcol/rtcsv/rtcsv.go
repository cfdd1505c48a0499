// Package rtcsv writes Go runtime/metrics samples to a CSV file, so that the
// tracesim model's internal curves (heap live, heap goal, GC cycles) can be
// checked against the real collector, not only its RSS.
//
// Our own code (tracesim validation harness). The metric names are those of
// the Go standard library's runtime/metrics package (Go 1.21+ for
// /gc/heap/live:bytes, Go 1.19+ for /gc/gomemlimit:bytes).
package rtcsv

import (
	"bufio"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"time"
)

// Names are the runtime/metrics samples written, in column order.
var Names = []string{
	"/gc/heap/live:bytes",
	"/gc/heap/goal:bytes",
	"/memory/classes/heap/objects:bytes",
	"/gc/cycles/total:gc-cycles",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
	"/gc/gomemlimit:bytes",
	"/gc/gogc:percent",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/unused:bytes",
	// What the mark phase costs and what is allocated meanwhile: objects allocated during
	// a concurrent mark are allocated black (marked live for that cycle), so the marked heap
	// and the next goal exceed the live heap by roughly the allocation rate times the mark
	// time. These let a recording measure both (Go 1.20+ names).
	"/gc/heap/allocs:bytes",
	"/cpu/classes/gc/mark/dedicated:cpu-seconds",
	"/cpu/classes/gc/mark/assist:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/gc/pause:cpu-seconds",
	"/cpu/classes/scavenge/total:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/sched/gomaxprocs:threads",
}

var columns = []string{
	"heap_live_bytes", "heap_goal_bytes", "heap_objects_bytes", "gc_cycles",
	"mem_total_bytes", "heap_released_bytes", "gomemlimit_bytes", "gogc_percent",
	"heap_free_bytes", "heap_unused_bytes",
	"heap_allocs_bytes", "gc_mark_dedicated_cpu_s", "gc_mark_assist_cpu_s",
	"gc_mark_idle_cpu_s", "gc_pause_cpu_s", "scavenge_cpu_s", "total_cpu_s", "gomaxprocs",
}

// Start launches the sampler if the environment variable env names a file.
// It samples every period until the process exits, flushing each line; the first
// column is the wall clock (Unix seconds), so a harness can put it on its own clock.
func Start(env string, period time.Duration) {
	path := os.Getenv(env)
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rtcsv: %v\n", err)
		return
	}
	samples := make([]metrics.Sample, len(Names))
	for i, n := range Names {
		samples[i].Name = n
	}
	w := bufio.NewWriterSize(f, 4096)
	w.WriteString("unix_s")
	for _, c := range columns {
		w.WriteString("," + c)
	}
	w.WriteString("\n")
	w.Flush()
	go func() {
		t := time.NewTicker(period)
		defer t.Stop()
		buf := make([]byte, 0, 256)
		for {
			metrics.Read(samples)
			buf = buf[:0]
			buf = strconv.AppendFloat(buf, float64(time.Now().UnixMicro())/1e6, 'f', 3, 64)
			for _, s := range samples {
				buf = append(buf, ',')
				switch s.Value.Kind() {
				case metrics.KindUint64:
					buf = strconv.AppendUint(buf, s.Value.Uint64(), 10)
				case metrics.KindFloat64:
					buf = strconv.AppendFloat(buf, s.Value.Float64(), 'g', -1, 64)
				}
			}
			buf = append(buf, '\n')
			w.Write(buf)
			w.Flush()
			<-t.C
		}
	}()
}
