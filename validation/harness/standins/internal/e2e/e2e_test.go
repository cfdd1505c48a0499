// Package e2e runs the built stand-ins through short mode schedules and checks each mode
// on the wire: refused connections, hung requests (reset or answered at the hang's end),
// delays, error codes, and that loadgen's counts add up and match the sink's.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"tracesim.dev/validation/standins/internal/spans"
)

var binDir string

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "standins-e2e")
	if err != nil {
		panic(err)
	}
	binDir = d
	args := []string{"build", "-o", d + "/"}
	if os.Getenv("STANDINS_E2E_RACE") != "" { // build the programs with the race detector
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "../../cmd/...")...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build failed:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(d)
	os.Exit(code)
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type proc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	t0     time.Time
}

// start runs a sink and waits for its first mode line; t0 is then (about) its start.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(filepath.Join(binDir, bin), args...)}
	r, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(r)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), " start ") {
				once.Do(func() { p.t0 = time.Now(); close(ready) })
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not start", bin)
	}
	t.Cleanup(func() {
		p.stop()
		if strings.Contains(p.log(), "DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", bin, p.log())
		}
	})
	return p
}

func (p *proc) stop() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	}
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// at sleeps until d after the sink's start.
func (p *proc) at(d time.Duration) { time.Sleep(time.Until(p.t0.Add(d))) }

func isRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}

// readTidy sums a tidy log's per-second counters and lists its events.
func readTidy(t *testing.T, path string) (map[string]int64, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || strings.Join(rows[0], ",") != "t_s,event,detail" {
		t.Fatalf("bad header %v", rows[:1])
	}
	sums := map[string]int64{}
	var events []string
	for _, r := range rows[1:] {
		if n, err := strconv.ParseInt(r[2], 10, 64); err == nil {
			sums[r[1]] += n
		} else {
			events = append(events, r[1]+" "+r[2])
		}
	}
	return sums, events
}

const bulkBody = `{"index":{"_index":"jaeger-span-2026-12-07","_type":"span"}}
{"traceID":"1","spanID":"2"}
{"index":{"_index":"jaeger-span-2026-12-07","_type":"span"}}
{"traceID":"1","spanID":"3"}
{"index":{"_index":"jaeger-service-2026-12-07","_type":"service","_id":"svc-op"}}
{"serviceName":"a","operationName":"b"}
`

func postBulk(ctx context.Context, cl *http.Client, addr string) (int, string, error) {
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/_bulk", strings.NewReader(bulkBody))
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := cl.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

func TestESSinkModes(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	logf := filepath.Join(t.TempDir(), "es.csv")
	// up 0-1, refuse 1-2, hang 2-3.5, slow 3.5-4.5, error 4.5-5.5, up
	p := start(t, "essink", "--listen", addr, "--log", logf,
		"--schedule", "up:1s,refuse:1s,hang:1.5s,slow:300ms:1s,error:429:1s,up")
	cl := newClient()
	ctx := context.Background()

	// up: handshake and bulk.
	resp, err := cl.Get("http://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"number":"7.10.2"`) || resp.Header.Get("X-Elastic-Product") != "Elasticsearch" {
		t.Fatalf("GET /: %d %s", resp.StatusCode, b)
	}
	if resp, err := cl.Head("http://" + addr + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("HEAD /: %v %v", resp, err)
	}
	code, body, err := postBulk(ctx, cl, addr)
	if err != nil || code != 200 || !strings.Contains(body, `"errors":false`) || strings.Count(body, `"status":201`) != 3 {
		t.Fatalf("bulk in up: %d %s %v", code, body, err)
	}

	// refuse: connection refused.
	p.at(1500 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); !isRefused(err) {
		t.Fatalf("refuse: dial error %v, want ECONNREFUSED", err)
	}

	// hang: a short-timeout request times out; a long one is reset at the hang's end (3.5 s).
	p.at(2200 * time.Millisecond)
	errc := make(chan error, 1)
	var ended time.Time
	go func() {
		c2, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, _, err := postBulk(c2, cl, addr)
		ended = time.Now()
		errc <- err
	}()
	c1, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
	_, _, err = postBulk(c1, cl, addr)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: short request: %v, want a timeout", err)
	}
	err = <-errc
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hang: long request: %v, want a reset at the hang's end", err)
	}
	if e := ended.Sub(p.t0); e < 3400*time.Millisecond || e > 4000*time.Millisecond {
		t.Fatalf("hang: long request ended at %s, want ~3.5s", e)
	}

	// slow: answered after ~300 ms.
	p.at(3700 * time.Millisecond)
	t1 := time.Now()
	code, body, err = postBulk(ctx, cl, addr)
	if d := time.Since(t1); err != nil || code != 200 || d < 290*time.Millisecond || d > 900*time.Millisecond {
		t.Fatalf("slow: %d %v after %s", code, err, d)
	}

	// error:429 on _bulk, handshake still answered.
	p.at(4900 * time.Millisecond)
	code, body, err = postBulk(ctx, cl, addr)
	if err != nil || code != 429 || !strings.Contains(body, "es_rejected_execution_exception") {
		t.Fatalf("error: %d %s %v", code, body, err)
	}
	if resp, err := cl.Head("http://" + addr + "/"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("error mode HEAD /: %v %v", resp, err)
	}

	// recovered.
	p.at(5800 * time.Millisecond)
	code, _, err = postBulk(ctx, cl, addr)
	if err != nil || code != 200 {
		t.Fatalf("recovered: %d %v", code, err)
	}
	p.stop()
	sums, events := readTidy(t, logf)
	if sums["docs_accepted"] != 9 || sums["span_docs_accepted"] != 6 || sums["service_docs_accepted"] != 3 || sums["bulk_requests"] != 3 {
		t.Errorf("counts %v", sums)
	}
	if sums["requests_hung"] != 2 || sums["answers_error"] != 1 {
		t.Errorf("hung/error counts %v", sums)
	}
	want := []string{"mode up", "mode refuse", "listener_closed", "mode hang", "listener_reopened", "mode slow:300ms", "hang_end_reset", "mode error:429", "mode up"}
	j := 0
	for _, e := range events {
		if j < len(want) && strings.HasPrefix(e, want[j]) {
			j++
		}
	}
	if j != len(want) {
		t.Errorf("events %q, want in order %q", events, want)
	}
}

func TestESSinkHandshakeAndTemplates(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	start(t, "essink", "--listen", addr, "--es-version", "6.8.13")
	cl := newClient()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cases := []struct {
		method, path, body string
		code               int
		has                string
	}{
		{"GET", "/", "", 200, `"number":"6.8.13"`},
		{"GET", "/_nodes/http", "", 200, `"publish_address":"` + addr + `"`},
		{"GET", "/_cluster/health", "", 200, `"status":"green"`},
		{"HEAD", "/_template/jaeger-span", "", 404, ""},
		{"PUT", "/_template/jaeger-span", `{"index_patterns":"*jaeger-span-*"}`, 200, `"acknowledged":true`},
		{"GET", "/_template/jaeger-span", "", 200, `"jaeger-span":{"index_patterns"`},
		{"PUT", "/_index_template/jaeger-span", `{"index_patterns":["*jaeger-span-*"]}`, 200, `"acknowledged":true`},
		{"HEAD", "/jaeger-span-2026-12-07", "", 404, ""},
		{"PUT", "/jaeger-span-2026-12-07", `{}`, 200, `"shards_acknowledged":true`},
		{"PUT", "/jaeger-span-2026-12-07", `{}`, 400, "resource_already_exists_exception"},
		{"HEAD", "/jaeger-span-2026-12-07", "", 200, ""},
		{"POST", "/jaeger-span-2026-12-07/span/_bulk", "{\"index\":{}}\n{\"a\":1}\n{\"delete\":{\"_id\":\"x\"}}\n", 200, `"_type":"span"`},
		{"POST", "/_bulk", "not json\n", 400, "illegal_argument_exception"},
		{"POST", "/_msearch", "{}\n{}\n{}\n{}\n", 200, `"responses":[{`},
	}
	for _, c := range cases {
		code, body := do(c.method, c.path, c.body)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s %s: %d %s, want %d with %q", c.method, c.path, code, body, c.code, c.has)
		}
	}
}

func TestESSinkHangAnswer(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	p := start(t, "essink", "--listen", addr, "--schedule", "hang:1s,up", "--hang-end", "answer")
	t1 := time.Now()
	code, body, err := postBulk(context.Background(), newClient(), addr)
	if err != nil || code != 200 || !strings.Contains(body, `"status":201`) {
		t.Fatalf("held request: %d %v", code, err)
	}
	if e := time.Now().Sub(p.t0); e < 950*time.Millisecond || time.Since(t1) < 800*time.Millisecond {
		t.Fatalf("answered at %s, want at the hang's end (1s)", e)
	}
}

func otlpReq(n int) *collectortrace.ExportTraceServiceRequest {
	sh := spans.Default()
	sh.SpansPerRequest = float64(n)
	return spans.OTLPRequest(sh.Request(0, time.Now().UnixMicro()))
}

func postOTLP(ctx context.Context, cl *http.Client, addr string, n int) (int, error) {
	b, _ := proto.Marshal(otlpReq(n))
	req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+addr+"/v1/traces", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestOTLPSinkModes(t *testing.T) {
	t.Parallel()
	ga, ha := freePort(t), freePort(t)
	logf := filepath.Join(t.TempDir(), "otlp.csv")
	// up 0-1, refuse 1-2, hang 2-3.5, slow 3.5-4.5, error:unavailable 4.5-5.5, error:429 5.5-6.5, up
	p := start(t, "otlpsink", "--grpc", ga, "--http", ha, "--log", logf,
		"--schedule", "up:1s,refuse:1s,hang:1.5s,slow:300ms:1s,error:unavailable:1s,error:429:1s,up")
	cc, err := grpc.NewClient(ga, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	gc := collectortrace.NewTraceServiceClient(cc)
	hc := newClient()
	ctx := context.Background()
	export := func(d time.Duration) error {
		c, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		_, err := gc.Export(c, otlpReq(9))
		return err
	}
	if err := export(2 * time.Second); err != nil {
		t.Fatalf("up: grpc %v", err)
	}
	if code, err := postOTLP(ctx, hc, ha, 9); err != nil || code != 200 {
		t.Fatalf("up: http %d %v", code, err)
	}

	p.at(1500 * time.Millisecond)
	for _, a := range []string{ga, ha} {
		if _, err := net.DialTimeout("tcp", a, time.Second); !isRefused(err) {
			t.Fatalf("refuse %s: %v", a, err)
		}
	}
	if err := export(500 * time.Millisecond); status.Code(err) != codes.Unavailable && status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("refuse: grpc %v", err)
	}

	p.at(2200 * time.Millisecond)
	// A new connection: the old one is in its reconnect backoff after the refusal.
	cc2, err := grpc.NewClient(ga, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc2.Close()
	gc = collectortrace.NewTraceServiceClient(cc2)
	errc := make(chan error, 2)
	go func() { errc <- export(5 * time.Second) }()
	go func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err := postOTLP(c, hc, ha, 9)
		errc <- err
	}()
	if err := export(400 * time.Millisecond); status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("hang: short grpc %v, want DeadlineExceeded", err)
	}
	for i := 0; i < 2; i++ {
		err := <-errc
		if err == nil || status.Code(err) == codes.DeadlineExceeded || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("hang: held request %v, want a reset", err)
		}
	}
	if e := time.Since(p.t0); e < 3400*time.Millisecond || e > 4200*time.Millisecond {
		t.Fatalf("hang: held requests ended at %s, want ~3.5s", e)
	}

	p.at(3700 * time.Millisecond)
	t1 := time.Now()
	if err := export(2 * time.Second); err != nil {
		t.Fatalf("slow: %v", err)
	}
	if d := time.Since(t1); d < 290*time.Millisecond || d > 900*time.Millisecond {
		t.Fatalf("slow: grpc answered after %s", d)
	}

	p.at(4900 * time.Millisecond)
	if err := export(2 * time.Second); status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "error mode") {
		t.Fatalf("error:unavailable grpc %v", err)
	}
	if code, err := postOTLP(ctx, hc, ha, 9); err != nil || code != 503 {
		t.Fatalf("error:unavailable http %d %v", code, err)
	}
	p.at(5900 * time.Millisecond)
	if err := export(2 * time.Second); status.Code(err) != codes.ResourceExhausted {
		t.Fatalf("error:429 grpc %v", err)
	}
	if code, err := postOTLP(ctx, hc, ha, 9); err != nil || code != 429 {
		t.Fatalf("error:429 http %d %v", code, err)
	}
	p.at(6900 * time.Millisecond)
	if err := export(2 * time.Second); err != nil {
		t.Fatalf("recovered grpc %v", err)
	}
	if code, err := postOTLP(ctx, hc, ha, 9); err != nil || code != 200 {
		t.Fatalf("recovered http %d %v", code, err)
	}
	p.stop()
	sums, _ := readTidy(t, logf)
	// accepted: up 1+1, slow 1, recovered 1+1 requests of 9 spans
	if sums["spans_accepted"] != 5*9 || sums["grpc_spans_accepted"] != 3*9 || sums["answers_error"] != 4 {
		t.Errorf("counts %v", sums)
	}
}

func TestOTLPSinkRetryAfter(t *testing.T) {
	t.Parallel()
	ga, ha := freePort(t), freePort(t)
	start(t, "otlpsink", "--grpc", ga, "--http", ha, "--schedule", "error:429", "--retry-after", "1500ms")
	cc, err := grpc.NewClient(ga, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	_, err = collectortrace.NewTraceServiceClient(cc).Export(context.Background(), otlpReq(3))
	st := status.Convert(err)
	var delay time.Duration
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			delay = ri.RetryDelay.AsDuration()
		}
	}
	if st.Code() != codes.ResourceExhausted || delay != 1500*time.Millisecond {
		t.Fatalf("grpc %v, retry delay %s", err, delay)
	}
	b, _ := proto.Marshal(otlpReq(3))
	resp, err := http.Post("http://"+ha+"/v1/traces", "application/x-protobuf", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" {
		t.Fatalf("http %d Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// loadgenRun runs loadgen and returns its per-second CSV summed by column.
func loadgenRun(t *testing.T, args ...string) map[string]int64 {
	t.Helper()
	logf := filepath.Join(t.TempDir(), "lg.csv")
	cmd := exec.Command(filepath.Join(binDir, "loadgen"), append(args, "--log", logf)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("loadgen: %v\n%s", err, out)
	}
	f, _ := os.Open(logf)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	for _, r := range rows[1:] {
		for i, h := range rows[0] {
			if h == "t_s" || h == "inflight" || h == "late" || h == "max_late_ms" || strings.HasPrefix(h, "heap") || h == "gc_cycles" || h == "goroutines" {
				continue
			}
			n, _ := strconv.ParseInt(r[i], 10, 64)
			sums[h] += n
		}
	}
	// the invariants loadgen promises
	if sums["scheduled"] != sums["sent"]+sums["skipped"] {
		t.Errorf("scheduled %d != sent %d + skipped %d", sums["scheduled"], sums["sent"], sums["skipped"])
	}
	if o := sums["accepted"] + sums["refused"] + sums["timeout"] + sums["error_status"] + sums["failed"]; o != sums["sent"] {
		t.Errorf("outcomes %d != sent %d (%v)", o, sums["sent"], sums)
	}
	if sums["spans_scheduled"] != sums["spans_sent"]+sums["spans_skipped"] {
		t.Errorf("spans don't add up %v", sums)
	}
	return sums
}

func TestLoadgenCountsMatchSink(t *testing.T) {
	t.Parallel()
	ga, ha := freePort(t), freePort(t)
	logf := filepath.Join(t.TempDir(), "otlp.csv")
	// loadgen runs 0-4 s: up, then refused 1-2 s, hung 2-3 s (held requests reset), then up.
	p := start(t, "otlpsink", "--grpc", ga, "--http", ha, "--log", logf, "--schedule", "up:1s,refuse:1s,hang:1s,up")
	g := loadgenRun(t, "--protocol", "otlp-grpc", "--target", ga, "--rate", "1000", "--spans-per-request", "5", "--duration", "4s", "--timeout", "300ms", "--max-inflight", "20")
	h := loadgenRun(t, "--protocol", "otlp-http", "--target", "http://"+ha+"/v1/traces", "--rate", "1000", "--spans-per-request", "5", "--duration", "1s")
	time.Sleep(100 * time.Millisecond)
	p.stop()
	sums, _ := readTidy(t, logf)
	if g["scheduled"] != 800 || h["scheduled"] != 200 {
		t.Errorf("scheduled %d, %d; want 800, 200", g["scheduled"], h["scheduled"])
	}
	if g["refused"] < 150 || g["accepted"] < 350 || g["timeout"]+g["skipped"]+g["failed"] < 100 || g["timeout"] == 0 {
		t.Errorf("grpc outcomes %v", g)
	}
	if h["accepted"] != 200 || h["spans_accepted"] != 1000 {
		t.Errorf("http outcomes %v", h)
	}
	if sums["grpc_spans_accepted"] != g["spans_accepted"] || sums["http_spans_accepted"] != h["spans_accepted"] {
		t.Errorf("sink accepted grpc %d http %d spans, loadgen says %d, %d", sums["grpc_spans_accepted"], sums["http_spans_accepted"], g["spans_accepted"], h["spans_accepted"])
	}
}

func TestLoadgenHTTPProtocolsAgainstESSinkCatchAll(t *testing.T) {
	// zipkin and jaeger-thrift have no receiver here; essink answers any POST 200, which is
	// enough to check the loadgen's HTTP path and its refused counting (nothing listens on
	// the second port).
	t.Parallel()
	addr := freePort(t)
	start(t, "essink", "--listen", addr)
	for _, pr := range []string{"zipkin", "jaeger-thrift"} {
		s := loadgenRun(t, "--protocol", pr, "--target", "http://"+addr+"/api/x", "--rate", "500", "--duration", "1s")
		if s["accepted"] != s["scheduled"] || s["scheduled"] == 0 {
			t.Errorf("%s: %v", pr, s)
		}
	}
	dead := freePort(t)
	s := loadgenRun(t, "--protocol", "zipkin", "--target", "http://"+dead+"/api/v2/spans", "--rate", "500", "--duration", "1s")
	if s["refused"] != s["scheduled"] {
		t.Errorf("dead port: %v", s)
	}
}

func TestLoadgenDeterministicSizes(t *testing.T) {
	t.Parallel()
	run := func(seed string) string {
		out, err := exec.Command(filepath.Join(binDir, "loadgen"), "--sizes", "--seed", seed).CombinedOutput()
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	a, b, c := run("1"), run("1"), run("2")
	if a != b {
		t.Errorf("same seed, different output:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 1 and 2 give the same sizes")
	}
}

func TestLoadgenPoissonDeterministic(t *testing.T) {
	t.Parallel()
	dead := freePort(t) // nothing listens: every request is refused, at once
	run := func(seed string) map[string]int64 {
		return loadgenRun(t, "--protocol", "otlp-http", "--target", "http://"+dead+"/v1/traces", "--arrivals", "poisson", "--rate", "2000", "--duration", "1s", "--seed", seed)
	}
	a, b, c := run("7"), run("7"), run("8")
	if a["scheduled"] != b["scheduled"] || a["spans_scheduled"] != b["spans_scheduled"] || a["refused"] != a["scheduled"] {
		t.Errorf("seed 7 twice: %v / %v", a, b)
	}
	// 2000/8.67 = 230.7 requests/s: Poisson counts within ~4 sigma
	for _, s := range []map[string]int64{a, c} {
		if n := s["scheduled"]; n < 170 || n > 295 {
			t.Errorf("poisson count %d for mean 231", n)
		}
	}
	if a["scheduled"] == c["scheduled"] && a["spans_scheduled"] == c["spans_scheduled"] {
		t.Logf("seeds 7 and 8 gave the same count (possible, unlikely)")
	}
}

func TestSinksStartRefusing(t *testing.T) {
	t.Parallel()
	addr, ga, ha := freePort(t), freePort(t), freePort(t)
	start(t, "essink", "--listen", addr, "--schedule", "refuse:1s,up")
	start(t, "otlpsink", "--grpc", ga, "--http", ha, "--schedule", "refuse:1s,up")
	time.Sleep(100 * time.Millisecond)
	for _, a := range []string{addr, ga, ha} {
		if _, err := net.DialTimeout("tcp", a, time.Second); !isRefused(err) {
			t.Errorf("%s at start: %v, want refused", a, err)
		}
	}
	time.Sleep(1200 * time.Millisecond)
	for _, a := range []string{addr, ga, ha} {
		c, err := net.DialTimeout("tcp", a, time.Second)
		if err != nil {
			t.Errorf("%s after refuse: %v", a, err)
		} else {
			c.Close()
		}
	}
}
