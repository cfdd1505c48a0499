// loadgen sends spans shaped like the seed's Istio spans (internal/spans) at a paced,
// open-loop rate for a duration, and counts per second what it scheduled, sent, had
// accepted, refused, failed or skipped.
//
// Open loop: request i goes out at t0 + i/request_rate whatever the receiver does. At most
// --max-inflight requests are out at once; a request due when all are out is not sent
// and counts as skipped. Nothing is retried. Each request is one trace's spans.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	"tracesim.dev/validation/standins/internal/buildinfo"
	"tracesim.dev/validation/standins/internal/spans"
)

var defaultTargets = map[string]string{
	"otlp-grpc":     "127.0.0.1:4317",
	"otlp-http":     "http://127.0.0.1:4318/v1/traces",
	"zipkin":        "http://127.0.0.1:9411/api/v2/spans",
	"jaeger-grpc":   "127.0.0.1:14250",
	"jaeger-thrift": "http://127.0.0.1:14268/api/traces",
}

type outcome int

const (
	accepted outcome = iota
	refused
	timedOut
	statusErr
	failed
	nOutcomes
)

var outcomeNames = [nOutcomes]string{"accepted", "refused", "timeout", "error_status", "failed"}

type counters struct {
	scheduled, sent, skipped, spansScheduled, spansSent, spansSkipped atomic.Int64
	out, outSpans                                                     [nOutcomes]atomic.Int64
	inflight                                                          atomic.Int64
	late                                                              atomic.Int64 // dispatched > lateThreshold after their due time
	maxLateUs                                                         atomic.Int64 // worst lateness this second, µs
}

type sender func(ctx context.Context, ss []spans.Span) (outcome, string)

func main() {
	protocol := flag.String("protocol", "otlp-grpc", "otlp-grpc | otlp-http | zipkin | jaeger-grpc | jaeger-thrift")
	target := flag.String("target", "", "host:port (gRPC) or URL (HTTP); default per protocol: "+fmt.Sprint(defaultTargets))
	rate := flag.Float64("rate", 1300, "spans per second (the seed: ~150 requests/s x 8.67 spans)")
	spr := flag.Float64("spans-per-request", 8.67, "mean spans per request (request i carries floor(m(i+1))-floor(m*i))")
	duration := flag.Duration("duration", 60*time.Second, "how long to send")
	maxInflight := flag.Int("max-inflight", 64, "requests out at once; a request due when all are out is skipped")
	timeout := flag.Duration("timeout", 5*time.Second, "per-request timeout")
	seed := flag.Uint64("seed", 1, "content seed (span content is a function of seed and request number)")
	tags := flag.Int("tags", 15, "tags per span (15 Envoy keys; 16..19 add Istio 1.9's istio.* tags; more: extra.N)")
	opBytes := flag.Int("op-bytes", 44, "operation name length")
	svcBytes := flag.Int("service-bytes", 20, "service name length")
	urlBytes := flag.Int("url-bytes", spans.Default().URLBytes, "mean http.url length")
	urlJitter := flag.Int("url-jitter", spans.Default().URLJitter, "http.url length is uniform in url-bytes ± this")
	uaBytes := flag.Int("ua-bytes", spans.Default().UABytes, "user_agent length")
	nodeBytes := flag.Int("node-id-bytes", spans.Default().NodeIDBytes, "node_id length")
	services := flag.Int("services", 8, "distinct services")
	arrivals := flag.String("arrivals", "uniform", "uniform (request i due at i/request_rate) or poisson (exponential gaps at the same mean rate, drawn from --seed)")
	gz := flag.Bool("gzip", false, "gzip request bodies (HTTP Content-Encoding, gRPC gzip compressor)")
	logPath := flag.String("log", "", "per-second CSV (wide: one row a second)")
	sizesOnly := flag.Bool("sizes", false, "print the encoded span sizes and exit")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	log.SetFlags(0)

	sh := spans.Shape{SpansPerRequest: *spr, Tags: *tags, OpBytes: *opBytes, ServiceBytes: *svcBytes,
		URLBytes: *urlBytes, URLJitter: *urlJitter, UABytes: *uaBytes, NodeIDBytes: *nodeBytes, Services: *services, Seed: *seed}
	if *spr < 1 || *rate <= 0 || *maxInflight < 1 || *tags < 0 {
		log.Fatal("need --spans-per-request >= 1, --rate > 0, --max-inflight >= 1, --tags >= 0")
	}
	printSizes(sh)
	if *sizesOnly {
		return
	}
	if *target == "" {
		*target = defaultTargets[*protocol]
	}
	send, err := makeSender(*protocol, *target, *maxInflight, *gz)
	if err != nil {
		log.Fatal(err)
	}

	reqRate := *rate / *spr
	nReq := uint64(math.Round(duration.Seconds() * reqRate))
	if *arrivals != "uniform" && *arrivals != "poisson" {
		log.Fatalf("--arrivals must be uniform or poisson")
	}
	gaps := rand.New(rand.NewPCG(*seed, 0xA77))
	log.Printf("loadgen: build=%s %s -> %s, %.1f spans/s = %.2f requests/s of %.2f spans, %s arrivals, %s (%d requests), max-inflight %d, timeout %s, seed %d",
		buildinfo.Commit, *protocol, *target, *rate, reqRate, *spr, *arrivals, *duration, nReq, *maxInflight, *timeout, *seed)

	gen := sh.NewGen()
	var c counters
	work := make(chan job)
	var wg sync.WaitGroup
	for w := 0; w < *maxInflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				ss := gen.Request(j.i, j.at.UnixMicro())
				ctx, cancel := context.WithTimeout(context.Background(), *timeout)
				o, _ := send(ctx, ss)
				cancel()
				c.out[o].Add(1)
				c.outSpans[o].Add(int64(len(ss)))
				c.inflight.Add(-1)
			}
		}()
	}

	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	t0 := time.Now()
	var lw *wideLog
	if *logPath != "" {
		if lw, err = openWide(*logPath); err != nil {
			log.Fatal(err)
		}
	}
	stopTick := make(chan struct{})
	tickDone := make(chan struct{})
	go ticker(t0, &c, lw, stopTick, tickDone)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	var stopping atomic.Bool
	go func() { <-sig; stopping.Store(true) }()
	interrupted := false
	dueS := 0.0 // poisson: the due time of request i, seconds after t0
	for i := uint64(0); ; i++ {
		if *arrivals == "uniform" {
			if i >= nReq {
				break
			}
			dueS = float64(i) / reqRate
		} else {
			if i > 0 {
				dueS += gaps.ExpFloat64() / reqRate
			}
			if dueS >= duration.Seconds() {
				break
			}
		}
		if stopping.Load() {
			interrupted = true
			break
		}
		// Due times are computed from t0, never from the previous send, so a late
		// dispatch does not shift the schedule (open loop).
		at := t0.Add(time.Duration(dueS * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		} else if -d > lateThreshold {
			c.late.Add(1)
			if us := int64(-d / time.Microsecond); us > c.maxLateUs.Load() {
				c.maxLateUs.Store(us)
			}
		}
		n := int64(sh.Count(i))
		c.scheduled.Add(1)
		c.spansScheduled.Add(n)
		c.inflight.Add(1)
		select {
		case work <- job{i, at}:
			c.sent.Add(1)
			c.spansSent.Add(n)
		default:
			c.inflight.Add(-1)
			c.skipped.Add(1)
			c.spansSkipped.Add(n)
		}
	}
	close(work)
	wg.Wait() // in-flight requests end within --timeout
	close(stopTick)
	<-tickDone
	if lw != nil {
		lw.close()
	}
	fmt.Fprintf(os.Stderr, "loadgen: done in %.3fs%s: requests scheduled=%d sent=%d skipped=%d", time.Since(t0).Seconds(),
		map[bool]string{true: " (interrupted)", false: ""}[interrupted], c.scheduled.Load(), c.sent.Load(), c.skipped.Load())
	for o := outcome(0); o < nOutcomes; o++ {
		fmt.Fprintf(os.Stderr, " %s=%d", outcomeNames[o], c.out[o].Load())
	}
	fmt.Fprintf(os.Stderr, "; spans scheduled=%d sent=%d accepted=%d; late=%d\n", c.spansScheduled.Load(), c.spansSent.Load(), c.outSpans[accepted].Load(), c.late.Load())
	var sum int64
	for o := range c.out {
		sum += c.out[o].Load()
	}
	if sum != c.sent.Load() || c.sent.Load()+c.skipped.Load() != c.scheduled.Load() {
		log.Fatalf("loadgen: counts do not add up: outcomes %d, sent %d", sum, c.sent.Load())
	}
}

// lateThreshold: a request dispatched more than this after its due time counts as late
// (the loadgen itself was starved of CPU or cannot keep the rate).
const lateThreshold = 5 * time.Millisecond

type job struct {
	i  uint64
	at time.Time
}

func printSizes(sh spans.Shape) {
	const n = 2000
	var jaeger, otlp, zipkin, thrift, nsp, colZipkin, colProto, colThrift int
	var otlpReq, zipReq, thrReq, jgReq int
	reqs := 0
	gen := sh.NewGen()
	for i := uint64(0); nsp < n; i++ {
		ss := gen.Request(i, 1_600_000_000_000_000+int64(i)*1000)
		for k := range ss {
			jaeger += len(spans.JaegerSpan(&ss[k]))
			colZipkin += spans.JaegerCollectedSize(&ss[k], true, "zipkin")
			colProto += spans.JaegerCollectedSize(&ss[k], false, "proto")
			colThrift += spans.JaegerCollectedSize(&ss[k], false, "jaeger")
			otlp += spans.OTLPSpanSize(&ss[k])
			zipkin += spans.ZipkinSpanSize(&ss[k])
			thrift += spans.ThriftSpanSize(&ss[k])
		}
		nsp += len(ss)
		otlpReq += len(spans.OTLPBytes(ss))
		zipReq += len(spans.ZipkinJSON(ss))
		thrReq += len(spans.JaegerThrift(ss))
		jgReq += len(spans.JaegerPostSpans(ss))
		reqs++
	}
	f := func(t int) float64 { return float64(t) / float64(nsp) }
	log.Printf("loadgen: mean encoded span size over %d spans (%d requests, seed %d, %d tags):", nsp, reqs, sh.Seed, sh.Tags)
	log.Printf("  jaeger model.Span protobuf (with its Process): %.1f B/span; PostSpansRequest %.1f B/span", f(jaeger), f(jgReq))
	log.Printf("  as the Jaeger v1 collector counts it (model.Span.Size() after decoding, its logged average span size):")
	log.Printf("    from zipkin %.1f B, from jaeger-grpc %.1f B, from jaeger-thrift %.1f B", f(colZipkin), f(colProto), f(colThrift))
	log.Printf("  OTLP protobuf Span (in ScopeSpans):            %.1f B/span; ExportTraceServiceRequest %.1f B/span", f(otlp), f(otlpReq))
	log.Printf("  Zipkin v2 JSON span:                           %.1f B/span; POST body %.1f B/span", f(zipkin), f(zipReq))
	log.Printf("  Jaeger Thrift binary Span (no Process):        %.1f B/span; Batch %.1f B/span", f(thrift), f(thrReq))
}

// ---- senders ----

func makeSender(protocol, target string, maxInflight int, gz bool) (sender, error) {
	switch protocol {
	case "otlp-grpc", "jaeger-grpc":
		opts := []grpc.DialOption{
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			// Reconnect within 250 ms of a receiver's return (the default backoff grows to
			// 120 s, which would hide a recovery behind the loadgen's own backoff).
			grpc.WithConnectParams(grpc.ConnectParams{Backoff: backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 250 * time.Millisecond}, MinConnectTimeout: time.Second}),
			grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64 << 20)),
		}
		var callOpts []grpc.CallOption
		if gz {
			callOpts = append(callOpts, grpc.UseCompressor("gzip"))
		}
		cc, err := grpc.NewClient(target, opts...)
		if err != nil {
			return nil, err
		}
		cc.Connect()
		// Both are sent pre-encoded through a pass-through codec: the bytes on the wire are
		// those of the messages (tests decode them with the generated types).
		callOpts = append(callOpts, grpc.ForceCodec(rawCodec{}))
		method, enc := "/jaeger.api_v2.CollectorService/PostSpans", spans.JaegerPostSpans
		if protocol == "otlp-grpc" {
			method, enc = "/opentelemetry.proto.collector.trace.v1.TraceService/Export", spans.OTLPBytes
		}
		return func(ctx context.Context, ss []spans.Span) (outcome, string) {
			in := &raw{b: enc(ss)}
			out := &raw{}
			err := cc.Invoke(ctx, method, in, out, callOpts...)
			return grpcOutcome(ctx, err)
		}, nil
	case "otlp-http", "zipkin", "jaeger-thrift":
		tr := &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        maxInflight,
			MaxIdleConnsPerHost: maxInflight,
			MaxConnsPerHost:     maxInflight,
			IdleConnTimeout:     90 * time.Second,
		}
		cl := &http.Client{Transport: tr}
		var enc func([]spans.Span) []byte
		var ctype string
		switch protocol {
		case "otlp-http":
			enc, ctype = spans.OTLPBytes, "application/x-protobuf"
		case "zipkin":
			enc, ctype = spans.ZipkinJSON, "application/json"
		case "jaeger-thrift":
			enc, ctype = spans.JaegerThrift, "application/x-thrift"
		}
		return func(ctx context.Context, ss []spans.Span) (outcome, string) {
			body := enc(ss)
			if gz {
				body = gzipBytes(body)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
			req.Header.Set("Content-Type", ctype)
			if gz {
				req.Header.Set("Content-Encoding", "gzip")
			}
			resp, err := cl.Do(req)
			if err != nil {
				return netOutcome(ctx, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode >= 200 && resp.StatusCode < 300 {
				return accepted, ""
			}
			return statusErr, strconv.Itoa(resp.StatusCode)
		}, nil
	}
	return nil, fmt.Errorf("unknown --protocol %q", protocol)
}

func netOutcome(ctx context.Context, err error) (outcome, string) {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return refused, err.Error()
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return timedOut, err.Error()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return timedOut, err.Error()
	}
	return failed, err.Error()
}

func grpcOutcome(ctx context.Context, err error) (outcome, string) {
	if err == nil {
		return accepted, ""
	}
	st, _ := status.FromError(err)
	switch st.Code() {
	case codes.DeadlineExceeded:
		return timedOut, st.Message()
	case codes.Unavailable:
		if strings.Contains(st.Message(), "connection refused") {
			return refused, st.Message()
		}
		if strings.Contains(st.Message(), "otlpsink error mode") || !isTransport(st.Message()) {
			return statusErr, st.Code().String()
		}
		return failed, st.Message()
	case codes.Unknown, codes.Internal, codes.Canceled:
		if ctx.Err() != nil {
			return timedOut, st.Message()
		}
		return failed, st.Message()
	}
	return statusErr, st.Code().String()
}

// isTransport tells a transport failure (connection reset, closed) from an Unavailable
// status the server answered.
func isTransport(msg string) bool {
	for _, s := range []string{"connection", "transport", "EOF", "reset", "closing", "error reading", "dial"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

type raw struct{ b []byte }

type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return v.(*raw).b, nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	v.(*raw).b = append(v.(*raw).b[:0], data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

// ---- per-second log ----

type wideLog struct {
	f *os.File
	w *csv.Writer
}

func openWide(path string) (*wideLog, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := csv.NewWriter(f)
	h := []string{"t_s", "scheduled", "sent", "skipped"}
	for _, n := range outcomeNames {
		h = append(h, n)
	}
	h = append(h, "spans_scheduled", "spans_sent", "spans_skipped")
	for _, n := range outcomeNames {
		h = append(h, "spans_"+n)
	}
	h = append(h, "inflight", "late", "max_late_ms", "heap_live_bytes", "heap_goal_bytes", "gc_cycles", "goroutines")
	w.Write(h)
	w.Flush()
	return &wideLog{f: f, w: w}, nil
}

func (l *wideLog) close() { l.w.Flush(); l.f.Close() }

func ticker(t0 time.Time, c *counters, l *wideLog, stop, done chan struct{}) {
	defer close(done)
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	var last [3 + 2*nOutcomes + 3]int64
	var lastLate int64
	row := func(t float64) {
		cur := []int64{c.scheduled.Load(), c.sent.Load(), c.skipped.Load()}
		for o := range c.out {
			cur = append(cur, c.out[o].Load())
		}
		cur = append(cur, c.spansScheduled.Load(), c.spansSent.Load(), c.spansSkipped.Load())
		for o := range c.outSpans {
			cur = append(cur, c.outSpans[o].Load())
		}
		rec := []string{strconv.FormatFloat(t, 'f', 3, 64)}
		for k, v := range cur {
			rec = append(rec, strconv.FormatInt(v-last[k], 10))
			last[k] = v
		}
		metrics.Read(samples)
		late := c.late.Load()
		rec = append(rec, strconv.FormatInt(c.inflight.Load(), 10), strconv.FormatInt(late-lastLate, 10),
			strconv.FormatFloat(float64(c.maxLateUs.Swap(0))/1000, 'f', 1, 64))
		lastLate = late
		for _, s := range samples {
			rec = append(rec, strconv.FormatUint(s.Value.Uint64(), 10))
		}
		rec = append(rec, strconv.Itoa(runtime.NumGoroutine()))
		if l != nil {
			l.w.Write(rec)
			l.w.Flush()
		}
	}
	for i := 1; ; i++ {
		select {
		case <-time.After(time.Until(t0.Add(time.Duration(i) * time.Second))):
			row(float64(i))
		case <-stop:
			row(time.Since(t0).Seconds())
			return
		}
	}
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	z.Write(b)
	z.Close()
	return buf.Bytes()
}
