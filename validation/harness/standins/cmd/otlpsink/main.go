// otlpsink is an OTLP trace receiver stand-in, on loopback: OTLP/gRPC
// (opentelemetry.proto.collector.trace.v1.TraceService/Export, the 4317 port) and
// OTLP/HTTP (POST /v1/traces, binary protobuf or JSON, gzip or not, the 4318 port). It
// answers success (an empty ExportTraceServiceResponse) and counts spans. A mode
// schedule (see internal/schedule) makes it refuse, hang, slow down or answer errors.
//
// Errors as the OTLP specification (opentelemetry-proto docs/specification.md, "OTLP/gRPC
// Throttling" / "Failures" and "OTLP/HTTP Response") describes them: gRPC codes
// (unavailable, resource_exhausted, ...), HTTP statuses with a google.rpc.Status body.
// error:503 on gRPC is Unavailable, error:429 ResourceExhausted, error:unavailable on HTTP 503.
package main

import (
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"mime"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	_ "google.golang.org/grpc/encoding/gzip" // the Collector's otlp exporter compresses with gzip by default
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	"tracesim.dev/validation/standins/internal/buildinfo"
	"tracesim.dev/validation/standins/internal/modal"
	"tracesim.dev/validation/standins/internal/schedule"
	"tracesim.dev/validation/standins/internal/sink"
	"tracesim.dev/validation/standins/internal/tidylog"
)

type server struct {
	collectortrace.UnimplementedTraceServiceServer
	s          *sink.Sink
	retryAfter time.Duration

	grpcReqs, httpReqs   *atomic.Int64
	spans, grpcSpans     *atomic.Int64
	httpSpans, bytesIn   *atomic.Int64
	okAnswers, errAnswer *atomic.Int64
	dropped, badReqs     *atomic.Int64
}

// codes per OTLP: which gRPC code an HTTP-status mode maps to and back.
var nameToCode = map[string]codes.Code{
	"cancelled": codes.Canceled, "unknown": codes.Unknown, "invalid_argument": codes.InvalidArgument,
	"deadline_exceeded": codes.DeadlineExceeded, "not_found": codes.NotFound, "already_exists": codes.AlreadyExists,
	"permission_denied": codes.PermissionDenied, "resource_exhausted": codes.ResourceExhausted,
	"failed_precondition": codes.FailedPrecondition, "aborted": codes.Aborted, "out_of_range": codes.OutOfRange,
	"unimplemented": codes.Unimplemented, "internal": codes.Internal, "unavailable": codes.Unavailable,
	"data_loss": codes.DataLoss, "unauthenticated": codes.Unauthenticated,
}

func grpcCode(c string) (codes.Code, error) {
	if k, ok := nameToCode[c]; ok {
		return k, nil
	}
	n, err := strconv.Atoi(c)
	if err != nil {
		return 0, fmt.Errorf("unknown error code %q", c)
	}
	switch {
	case n == 429:
		return codes.ResourceExhausted, nil
	case n == 400:
		return codes.InvalidArgument, nil
	case n == 401:
		return codes.Unauthenticated, nil
	case n == 403:
		return codes.PermissionDenied, nil
	case n == 404:
		return codes.NotFound, nil
	case n == 502 || n == 503 || n == 504:
		return codes.Unavailable, nil
	case n >= 400 && n <= 599:
		return codes.Internal, nil
	case n >= 1 && n <= 16:
		return codes.Code(n), nil
	}
	return 0, fmt.Errorf("unknown error code %q", c)
}

func httpStatus(c string) int {
	if n, err := strconv.Atoi(c); err == nil && n >= 400 && n <= 599 {
		return n
	}
	k, _ := grpcCode(c)
	switch k {
	case codes.ResourceExhausted:
		return 429
	case codes.InvalidArgument:
		return 400
	case codes.Unauthenticated:
		return 401
	case codes.PermissionDenied:
		return 403
	case codes.NotFound:
		return 404
	case codes.Unavailable:
		return 503
	case codes.DeadlineExceeded:
		return 504
	}
	return 500
}

func main() {
	grpcAddr := flag.String("grpc", "127.0.0.1:4317", "OTLP/gRPC address (empty: none)")
	httpAddr := flag.String("http", "127.0.0.1:4318", "OTLP/HTTP address (empty: none)")
	sched := flag.String("schedule", "up", `mode schedule, e.g. "up:30s,hang:60s,up" (modes: up, refuse, hang, slow:DUR, error:CODE with CODE an HTTP status or a gRPC code name; each with :DURATION but the last)`)
	logPath := flag.String("log", "", "tidy CSV log t_s,event,detail (mode changes; per-second counters)")
	hangEnd := flag.String("hang-end", "reset", "when a hang ends: reset (RST the held connections, no answer) or answer (answer the held requests)")
	maxRecv := flag.Int("max-recv-mib", 64, "largest request accepted, MiB (gRPC MaxRecvMsgSize; HTTP body)")
	retryAfter := flag.Duration("retry-after", 0, "with error modes: add gRPC RetryInfo{retry_delay} (to Unavailable and ResourceExhausted) and HTTP Retry-After (to 429 and 503). The Collector's otlp exporter retries ResourceExhausted only with RetryInfo (otlpexporter shouldRetry)")
	runFor := flag.Duration("run-for", time.Hour, "stop by itself after this long (0: only on SIGINT/SIGTERM)")
	flag.Parse()
	log.SetFlags(0)

	segs, err := schedule.Parse(*sched)
	if err != nil {
		log.Fatalf("--schedule: %v", err)
	}
	for _, sg := range segs {
		if sg.Mode.Kind == schedule.Reject {
			log.Fatalf("--schedule: reject is an essink mode (item-level bulk failures); use error:CODE")
		}
		if sg.Mode.Kind == schedule.Error {
			if _, err := grpcCode(sg.Mode.Code); err != nil {
				log.Fatalf("--schedule: %v (an HTTP status 400..599 or a gRPC code name such as unavailable, resource_exhausted)", err)
			}
		}
	}
	t0 := time.Now()
	lg, err := tidylog.Open(*logPath, t0)
	if err != nil {
		log.Fatal(err)
	}
	ctl := schedule.New(segs, t0)
	s, err := sink.New(ctl, lg, sink.HangEnd(*hangEnd))
	if err != nil {
		log.Fatal(err)
	}
	v := &server{s: s, retryAfter: *retryAfter}
	v.grpcReqs = lg.Counter("grpc_requests")
	v.httpReqs = lg.Counter("http_requests")
	v.spans = lg.Counter("spans_accepted")
	v.grpcSpans = lg.Counter("grpc_spans_accepted")
	v.httpSpans = lg.Counter("http_spans_accepted")
	v.bytesIn = lg.Counter("request_bytes")
	v.okAnswers = lg.Counter("answers_ok")
	v.errAnswer = lg.Counter("answers_error")
	v.dropped = lg.Counter("requests_unanswered")
	v.badReqs = lg.Counter("requests_bad")

	var gl, hl *modal.Listener
	if *grpcAddr != "" {
		if gl, err = modal.Listen(*grpcAddr); err != nil {
			log.Fatal(err)
		}
		s.Listeners = append(s.Listeners, gl)
	}
	if *httpAddr != "" {
		if hl, err = modal.Listen(*httpAddr); err != nil {
			log.Fatal(err)
		}
		s.Listeners = append(s.Listeners, hl)
	}
	if gl == nil && hl == nil {
		log.Fatal("neither --grpc nor --http")
	}
	desc := "build=" + buildinfo.Commit + " " + fmt.Sprintf("otlpsink schedule=%q hang_end=%s", *sched, *hangEnd)
	if gl != nil {
		desc += " grpc=" + gl.AddrString()
	}
	if hl != nil {
		desc += " http=" + hl.AddrString()
	}
	lg.Event("start", desc)
	lg.Start()
	ctl.Start() // the first mode before serving (refuse closes the listener now)
	if gl != nil {
		gs := grpc.NewServer(grpc.MaxRecvMsgSize(*maxRecv << 20))
		collectortrace.RegisterTraceServiceServer(gs, v)
		go gs.Serve(gl)
	}
	if hl != nil {
		mux := http.NewServeMux()
		mux.HandleFunc("/v1/traces", func(w http.ResponseWriter, r *http.Request) { v.serveHTTP(w, r, int64(*maxRecv)<<20) })
		hs := sink.HTTPServer(mux)
		go hs.Serve(hl)
	}
	go ctl.Run()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	var limit <-chan time.Time
	if *runFor > 0 {
		limit = time.After(*runFor)
	}
	select {
	case <-sig:
	case <-limit:
		lg.Event("run_for_elapsed", runFor.String())
	}
	lg.Event("stop", lg.Totals())
	lg.Close()
}

func countSpans(req *collectortrace.ExportTraceServiceRequest) int64 {
	var n int64
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			n += int64(len(ss.GetSpans()))
		}
	}
	return n
}

// Export is the OTLP/gRPC method.
func (v *server) Export(ctx context.Context, req *collectortrace.ExportTraceServiceRequest) (*collectortrace.ExportTraceServiceResponse, error) {
	v.s.Requests.Add(1)
	v.grpcReqs.Add(1)
	v.bytesIn.Add(int64(proto.Size(req)))
	mode, ok := v.s.Gate(ctx, true)
	if !ok {
		v.dropped.Add(1)
		// The connection was reset (hang end, refuse) or the client's deadline passed and
		// it gave up: this status reaches nobody.
		return nil, status.Error(codes.Unavailable, "otlpsink: connection reset")
	}
	if mode.Kind == schedule.Error {
		k, _ := grpcCode(mode.Code)
		v.errAnswer.Add(1)
		st := status.New(k, "otlpsink error mode "+mode.Code)
		if v.retryAfter > 0 && (k == codes.Unavailable || k == codes.ResourceExhausted) {
			if st2, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(v.retryAfter)}); err == nil {
				st = st2
			}
		}
		return nil, st.Err()
	}
	n := countSpans(req)
	v.spans.Add(n)
	v.grpcSpans.Add(n)
	v.okAnswers.Add(1)
	return &collectortrace.ExportTraceServiceResponse{}, nil
}

func (v *server) serveHTTP(w http.ResponseWriter, r *http.Request, maxBody int64) {
	v.s.Requests.Add(1)
	v.httpReqs.Add(1)
	if r.Method != http.MethodPost {
		v.badReqs.Add(1)
		http.Error(w, "only POST", http.StatusMethodNotAllowed)
		return
	}
	var rd io.Reader = http.MaxBytesReader(w, r.Body, maxBody)
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		z, err := gzip.NewReader(rd)
		if err != nil {
			v.badReqs.Add(1)
			http.Error(w, "bad gzip", http.StatusBadRequest)
			return
		}
		defer z.Close()
		rd = z
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		v.dropped.Add(1)
		sink.AbortHTTP(r)
	}
	v.bytesIn.Add(int64(len(body)))
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := ct == "application/json"
	mode, ok := v.s.Gate(r.Context(), false)
	if !ok {
		v.dropped.Add(1)
		sink.AbortHTTP(r)
	}
	if mode.Kind == schedule.Error {
		code := httpStatus(mode.Code)
		k, _ := grpcCode(mode.Code)
		v.errAnswer.Add(1)
		if v.retryAfter > 0 && (code == 429 || code == 503) {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(v.retryAfter.Seconds()))))
		}
		writeMsg(w, isJSON, code, &spb.Status{Code: int32(k), Message: "otlpsink error mode " + mode.Code})
		return
	}
	req := &collectortrace.ExportTraceServiceRequest{}
	if isJSON {
		err = protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(body, req)
	} else {
		err = proto.Unmarshal(body, req)
	}
	if err != nil {
		v.badReqs.Add(1)
		writeMsg(w, isJSON, http.StatusBadRequest, &spb.Status{Code: int32(codes.InvalidArgument), Message: err.Error()})
		return
	}
	n := countSpans(req)
	v.spans.Add(n)
	v.httpSpans.Add(n)
	v.okAnswers.Add(1)
	writeMsg(w, isJSON, http.StatusOK, &collectortrace.ExportTraceServiceResponse{})
}

func writeMsg(w http.ResponseWriter, isJSON bool, code int, m proto.Message) {
	var b []byte
	if isJSON {
		b, _ = protojson.Marshal(m)
		w.Header().Set("Content-Type", "application/json")
	} else {
		b, _ = proto.Marshal(m)
		w.Header().Set("Content-Type", "application/x-protobuf")
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(code)
	w.Write(b)
}
