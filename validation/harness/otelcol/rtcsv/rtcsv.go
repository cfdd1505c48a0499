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
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
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
	// Where the Go memory that is not heap goes (Go 1.16+ names): span and cache metadata,
	// the GC's own structures (work buffers, heap bitmaps: metadata/other), goroutine
	// stacks, and the rest; after a large heap, these stay resident when the heap is returned.
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/mspan/free:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/other:bytes",
	"/memory/classes/profiling/buckets:bytes",
	"/sched/goroutines:goroutines",
}

var columns = []string{
	"heap_live_bytes", "heap_goal_bytes", "heap_objects_bytes", "gc_cycles",
	"mem_total_bytes", "heap_released_bytes", "gomemlimit_bytes", "gogc_percent",
	"heap_free_bytes", "heap_unused_bytes",
	"heap_allocs_bytes", "gc_mark_dedicated_cpu_s", "gc_mark_assist_cpu_s",
	"gc_mark_idle_cpu_s", "gc_pause_cpu_s", "scavenge_cpu_s", "total_cpu_s", "gomaxprocs",
	"mspan_inuse_bytes", "mspan_free_bytes", "mcache_inuse_bytes", "metadata_other_bytes",
	"heap_stacks_bytes", "os_stacks_bytes", "other_bytes", "profiling_buckets_bytes", "goroutines",
}

// Start launches the sampler if the environment variable env names a file.
// It samples every period until the process exits, flushing each line; the first
// column is the wall clock (Unix seconds), so a harness can put it on its own clock.
//
// If TRACESIM_PPROF_ADDR is set (e.g. 127.0.0.1:26060), it also serves net/http/pprof
// there, so that a harness can take heap profiles (go tool pprof -inuse_space).
func Start(env string, period time.Duration) {
	if addr := os.Getenv("TRACESIM_PPROF_ADDR"); addr != "" {
		go func() {
			if err := http.ListenAndServe(addr, nil); err != nil {
				fmt.Fprintf(os.Stderr, "rtcsv: pprof: %v\n", err)
			}
		}()
	}
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
