// essink is an Elasticsearch 7.x (or 6.x/8.x) stand-in for the Jaeger collectors' ES
// clients, on loopback. It answers the start-up calls (GET/HEAD / for the version and
// ping, _nodes/http for sniffing, _cluster/health, templates, index creation, ILM and
// aliases) and POST _bulk with an item per action (status 201, errors:false), and counts
// the documents it accepts. A mode schedule (see internal/schedule) makes it refuse,
// hang, slow down or answer errors.
//
// Response shapes follow Elasticsearch's REST API documentation (root "/" info, bulk,
// create index, put template, cluster health, nodes info) as read by the clients the
// Jaeger collectors use: github.com/olivere/elastic (v6/v7: client.go ElasticsearchVersion
// reads version.number from GET /, healthcheck is HEAD / expecting 200, sniffing reads
// nodes.*.http.publish_address from GET /_nodes/http; bulk.go BulkResponse reads
// took, errors, items[].{index,create,update,delete}.{_index,_type,_id,status,error}) and
// github.com/elastic/go-elasticsearch (its product check wants the X-Elastic-Product
// header, or for 7.x before 7.14 the tagline and build_flavor "default").
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"tracesim.dev/validation/standins/internal/buildinfo"
	"tracesim.dev/validation/standins/internal/modal"
	"tracesim.dev/validation/standins/internal/schedule"
	"tracesim.dev/validation/standins/internal/sink"
	"tracesim.dev/validation/standins/internal/tidylog"
)

type server struct {
	s          *sink.Sink
	version    string
	addr       string
	errorScope string
	verbose    bool

	mu        sync.Mutex
	templates map[string][]byte
	indices   map[string]bool
	unknown   map[string]bool
	seq       atomic.Int64

	bulkReqs     *atomic.Int64
	docs         *atomic.Int64
	spanDocs     *atomic.Int64
	svcDocs      *atomic.Int64
	bulkBytes    *atomic.Int64
	errAnswers   *atomic.Int64
	okAnswers    *atomic.Int64
	dropped      *atomic.Int64
	docsRejected *atomic.Int64
}

func main() {
	addr := flag.String("listen", "127.0.0.1:9200", "address to listen on (loopback)")
	sched := flag.String("schedule", "up", `mode schedule, e.g. "up:30s,hang:60s,up" (modes: up, refuse, hang, slow:DUR, error:CODE, reject:CODE (bulk items fail with CODE in a 200 answer); each with :DURATION but the last)`)
	logPath := flag.String("log", "", "tidy CSV log t_s,event,detail (mode changes; per-second counters)")
	version := flag.String("es-version", "7.10.2", "Elasticsearch version to report on GET / (Jaeger picks its index mappings by the major)")
	hangEnd := flag.String("hang-end", "reset", "when a hang ends: reset (RST the held connections, no answer) or answer (answer the held requests)")
	errorScope := flag.String("error-scope", "bulk", "which requests error:CODE applies to: bulk (only _bulk; start-up, health and template calls answered) or all")
	verbose := flag.Bool("v", false, "log every request line")
	runFor := flag.Duration("run-for", time.Hour, "stop by itself after this long (0: only on SIGINT/SIGTERM)")
	flag.Parse()
	log.SetFlags(0)

	segs, err := schedule.Parse(*sched)
	if err != nil {
		log.Fatalf("--schedule: %v", err)
	}
	for _, sg := range segs {
		if sg.Mode.Kind == schedule.Error || sg.Mode.Kind == schedule.Reject {
			if c, err := strconv.Atoi(sg.Mode.Code); err != nil || c < 400 || c > 599 {
				log.Fatalf("--schedule: essink error codes are HTTP statuses 400..599, not %q", sg.Mode.Code)
			}
		}
	}
	if *errorScope != "bulk" && *errorScope != "all" {
		log.Fatalf("--error-scope must be bulk or all")
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
	ln, err := modal.Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	s.Listeners = append(s.Listeners, ln)
	srv := &server{
		s: s, version: *version, addr: ln.AddrString(), errorScope: *errorScope, verbose: *verbose,
		templates: map[string][]byte{}, indices: map[string]bool{}, unknown: map[string]bool{},
	}
	srv.bulkReqs = lg.Counter("bulk_requests")
	srv.docs = lg.Counter("docs_accepted")
	srv.spanDocs = lg.Counter("span_docs_accepted")
	srv.svcDocs = lg.Counter("service_docs_accepted")
	srv.bulkBytes = lg.Counter("bulk_bytes")
	srv.okAnswers = lg.Counter("answers_ok")
	srv.errAnswers = lg.Counter("answers_error")
	srv.dropped = lg.Counter("requests_unanswered")
	srv.docsRejected = lg.Counter("docs_rejected")
	lg.Event("start", "build="+buildinfo.Commit+" "+fmt.Sprintf("essink listen=%s es_version=%s schedule=%q hang_end=%s error_scope=%s", ln.AddrString(), *version, *sched, *hangEnd, *errorScope))
	lg.Start()
	ctl.Start() // the first mode before serving (refuse closes the listener now)
	hs := sink.HTTPServer(srv)
	go hs.Serve(ln)
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
	ln.Close()
}

func (v *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.s.Requests.Add(1)
	if v.verbose {
		log.Printf("%s %s", r.Method, r.URL.RequestURI())
	}
	body, err := readBody(r)
	if err != nil {
		v.dropped.Add(1)
		sink.AbortHTTP(r)
	}
	mode, ok := v.s.Gate(r.Context(), false)
	if !ok {
		v.dropped.Add(1)
		sink.AbortHTTP(r)
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	isBulk := strings.HasSuffix(path, "/_bulk") || path == "_bulk"
	if mode.Kind == schedule.Error && (v.errorScope == "all" || isBulk) {
		code, _ := strconv.Atoi(mode.Code)
		v.errAnswers.Add(1)
		v.esError(w, r, code)
		return
	}
	v.okAnswers.Add(1)
	v.route(w, r, path, body, mode)
}

func readBody(r *http.Request) ([]byte, error) {
	var rd io.Reader = r.Body
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		z, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, err
		}
		defer z.Close()
		rd = z
	}
	return io.ReadAll(rd)
}

func writeJSON(w http.ResponseWriter, r *http.Request, code int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set("X-Elastic-Product", "Elasticsearch")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func (v *server) major() int {
	m, _ := strconv.Atoi(strings.SplitN(v.version, ".", 2)[0])
	return m
}

// esError answers as Elasticsearch does when it rejects: 429 es_rejected_execution_exception
// (a full write thread pool queue), 503 cluster_block_exception / unavailable, else a
// generic exception with that status.
func (v *server) esError(w http.ResponseWriter, r *http.Request, code int) {
	typ, reason := "exception", "essink error mode"
	switch code {
	case 429:
		typ, reason = "es_rejected_execution_exception", "rejected execution of coordinating operation [essink error mode]"
	case 503:
		typ, reason = "cluster_block_exception", "blocked by: [SERVICE_UNAVAILABLE/2/no master];"
	case 500:
		typ, reason = "exception", "essink error mode"
	case 400:
		typ, reason = "illegal_argument_exception", "essink error mode"
	}
	b, _ := json.Marshal(map[string]any{
		"error": map[string]any{
			"root_cause": []any{map[string]any{"type": typ, "reason": reason}},
			"type":       typ, "reason": reason,
		},
		"status": code,
	})
	writeJSON(w, r, code, b)
}

func (v *server) notFound(w http.ResponseWriter, r *http.Request, typ, reason, index string) {
	e := map[string]any{"type": typ, "reason": reason}
	if index != "" {
		e["index"] = index
		e["resource.type"] = "index_or_alias"
		e["resource.id"] = index
	}
	b, _ := json.Marshal(map[string]any{
		"error":  map[string]any{"root_cause": []any{e}, "type": typ, "reason": reason, "index": index},
		"status": 404,
	})
	writeJSON(w, r, 404, b)
}

func ack(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, r, 200, []byte(`{"acknowledged":true}`))
}

func (v *server) route(w http.ResponseWriter, r *http.Request, path string, body []byte, mode schedule.Mode) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	if path == "" {
		parts = nil
	}
	m := r.Method
	switch {
	case len(parts) == 0:
		v.root(w, r)
	case parts[len(parts)-1] == "_bulk" && (m == "POST" || m == "PUT"):
		defIndex, defType := "", ""
		if len(parts) >= 2 {
			defIndex = parts[0]
		}
		if len(parts) >= 3 {
			defType = parts[1]
		}
		reject := 0
		if mode.Kind == schedule.Reject {
			reject, _ = strconv.Atoi(mode.Code)
		}
		v.bulk(w, r, body, defIndex, defType, reject)
	case parts[0] == "_nodes":
		v.nodes(w, r)
	case parts[0] == "_cluster" && len(parts) >= 2 && parts[1] == "health":
		writeJSON(w, r, 200, []byte(`{"cluster_name":"essink","status":"green","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,"active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":0,"delayed_unassigned_shards":0,"number_of_pending_tasks":0,"number_of_in_flight_fetch":0,"task_max_waiting_in_queue_millis":0,"active_shards_percent_as_number":100.0}`))
	case parts[0] == "_template" || parts[0] == "_index_template" || parts[0] == "_component_template":
		v.template(w, r, parts, body)
	case parts[0] == "_ilm":
		// _ilm/policy/NAME: PUT acknowledged; GET of an unknown policy 404 as ES does.
		if m == "PUT" || m == "POST" {
			ack(w, r)
		} else {
			v.template(w, r, parts, body)
		}
	case parts[0] == "_aliases":
		ack(w, r)
	case parts[0] == "_alias" || (len(parts) >= 2 && parts[1] == "_alias"):
		if m == "PUT" || m == "POST" {
			ack(w, r)
		} else {
			v.notFound(w, r, "aliases_not_found_exception", "aliases missing", "")
		}
	case parts[len(parts)-1] == "_search":
		writeJSON(w, r, 200, []byte(`{"took":1,"timed_out":false,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}`))
	case parts[len(parts)-1] == "_msearch":
		n := bytes.Count(body, []byte("\n")) / 2
		var b bytes.Buffer
		b.WriteString(`{"took":1,"responses":[`)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"took":1,"timed_out":false,"_shards":{"total":0,"successful":0,"skipped":0,"failed":0},"hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]},"status":200}`)
		}
		b.WriteString("]}")
		writeJSON(w, r, 200, b.Bytes())
	case parts[0] == "_cat":
		writeJSON(w, r, 200, []byte(`[]`))
	case len(parts) == 1 && !strings.HasPrefix(parts[0], "_"):
		v.index(w, r, parts[0])
	case len(parts) == 2 && parts[1] == "_refresh" || parts[0] == "_refresh":
		writeJSON(w, r, 200, []byte(`{"_shards":{"total":1,"successful":1,"failed":0}}`))
	default:
		key := m + " " + path
		v.mu.Lock()
		first := !v.unknown[key]
		v.unknown[key] = true
		v.mu.Unlock()
		if first {
			v.s.Log.Event("unknown_call", key+" (answered 200 acknowledged)")
		}
		ack(w, r)
	}
}

func (v *server) root(w http.ResponseWriter, r *http.Request) {
	// GET / as Elasticsearch 7.x answers it; HEAD / is the clients' ping/health check.
	b, _ := json.Marshal(map[string]any{
		"name":         "essink-0",
		"cluster_name": "essink",
		"cluster_uuid": "essink-cluster-uuid-000001",
		"version": map[string]any{
			"number":                              v.version,
			"build_flavor":                        "default",
			"build_type":                          "tar",
			"build_hash":                          "0000000000000000000000000000000000000000",
			"build_date":                          "2021-01-13T00:42:12.435326Z",
			"build_snapshot":                      false,
			"lucene_version":                      "8.7.0",
			"minimum_wire_compatibility_version":  "6.8.0",
			"minimum_index_compatibility_version": "6.0.0-beta1",
		},
		"tagline": "You Know, for Search",
	})
	writeJSON(w, r, 200, b)
}

func (v *server) nodes(w http.ResponseWriter, r *http.Request) {
	// GET /_nodes/http: sniffing (olivere/elastic) reads nodes.*.http.publish_address.
	b, _ := json.Marshal(map[string]any{
		"_nodes":       map[string]int{"total": 1, "successful": 1, "failed": 0},
		"cluster_name": "essink",
		"nodes": map[string]any{
			"essinknode0000000000000": map[string]any{
				"name": "essink-0", "transport_address": "127.0.0.1:9300", "host": "127.0.0.1", "ip": "127.0.0.1",
				"version": v.version, "build_flavor": "default", "build_type": "tar",
				"roles": []string{"data", "ingest", "master"},
				"http": map[string]any{
					"bound_address":               []string{v.addr},
					"publish_address":             v.addr,
					"max_content_length_in_bytes": 104857600,
				},
			},
		},
	})
	writeJSON(w, r, 200, b)
}

func (v *server) template(w http.ResponseWriter, r *http.Request, parts []string, body []byte) {
	key := strings.Join(parts, "/")
	switch r.Method {
	case "PUT", "POST":
		v.mu.Lock()
		_, had := v.templates[key]
		v.templates[key] = body
		v.mu.Unlock()
		if !had {
			v.s.Log.Event("template", r.Method+" "+key)
		}
		ack(w, r)
	case "DELETE":
		v.mu.Lock()
		delete(v.templates, key)
		v.mu.Unlock()
		ack(w, r)
	default:
		v.mu.Lock()
		b, ok := v.templates[key]
		v.mu.Unlock()
		if !ok || len(parts) < 2 {
			// HEAD /_template/x of a missing one is a bare 404; GET an error body.
			writeJSON(w, r, 404, []byte(`{}`))
			return
		}
		name := parts[len(parts)-1]
		var out bytes.Buffer
		if parts[0] == "_index_template" {
			fmt.Fprintf(&out, `{"index_templates":[{"name":%q,"index_template":%s}]}`, name, orEmpty(b))
		} else {
			fmt.Fprintf(&out, `{%q:%s}`, name, orEmpty(b))
		}
		writeJSON(w, r, 200, out.Bytes())
	}
}

func orEmpty(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return []byte("{}")
	}
	return b
}

func (v *server) index(w http.ResponseWriter, r *http.Request, name string) {
	v.mu.Lock()
	exists := v.indices[name]
	v.mu.Unlock()
	switch r.Method {
	case "PUT":
		if exists {
			b, _ := json.Marshal(map[string]any{
				"error": map[string]any{
					"root_cause": []any{map[string]any{"type": "resource_already_exists_exception", "reason": "index [" + name + "/essink] already exists", "index_uuid": "essink", "index": name}},
					"type":       "resource_already_exists_exception", "reason": "index [" + name + "/essink] already exists", "index_uuid": "essink", "index": name,
				},
				"status": 400,
			})
			writeJSON(w, r, 400, b)
			return
		}
		v.mu.Lock()
		v.indices[name] = true
		v.mu.Unlock()
		v.s.Log.Event("index_created", name)
		writeJSON(w, r, 200, []byte(`{"acknowledged":true,"shards_acknowledged":true,"index":`+strconv.Quote(name)+`}`))
	case "DELETE":
		v.mu.Lock()
		delete(v.indices, name)
		v.mu.Unlock()
		ack(w, r)
	default: // HEAD (exists) / GET
		if !exists && !strings.ContainsAny(name, "*,") {
			v.notFound(w, r, "index_not_found_exception", "no such index ["+name+"]", name)
			return
		}
		writeJSON(w, r, 200, []byte(`{`+strconv.Quote(name)+`:{"aliases":{},"mappings":{},"settings":{}}}`))
	}
}

type bulkMeta struct {
	Index string `json:"_index"`
	Type  string `json:"_type"`
	ID    string `json:"_id"`
}

// bulk answers POST _bulk: NDJSON action lines (index, create, update: followed by a source
// line; delete: alone). Every action is accepted: 201 created (200 for update/delete),
// errors:false. With reject != 0 every item fails with that status (ES's item error shape:
// {"type","reason"} and "status"), errors:true, still HTTP 200, as a write thread pool
// that is full rejects (olivere's BulkProcessor retries items with 408/429/503/507).
func (v *server) bulk(w http.ResponseWriter, r *http.Request, body []byte, defIndex, defType string, reject int) {
	start := time.Now()
	v.bulkReqs.Add(1)
	v.bulkBytes.Add(int64(len(body)))
	major := v.major()
	var out bytes.Buffer
	out.Grow(len(body) / 4)
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	n, spans, svcs := 0, 0, 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var action map[string]bulkMeta
		if err := json.Unmarshal(line, &action); err != nil || len(action) != 1 {
			v.esBadRequest(w, r, "Malformed action/metadata line ["+strconv.Itoa(n+1)+"], expected START_OBJECT or END_OBJECT")
			return
		}
		var op string
		var meta bulkMeta
		for k, m := range action {
			op, meta = k, m
		}
		switch op {
		case "index", "create", "update":
			if !sc.Scan() {
				v.esBadRequest(w, r, "The bulk request must be terminated by a newline [\\n]")
				return
			}
		case "delete":
		default:
			v.esBadRequest(w, r, "Malformed action/metadata line, expected one of [create, delete, index, update] but found ["+op+"]")
			return
		}
		if meta.Index == "" {
			meta.Index = defIndex
		}
		typ := meta.Type
		if typ == "" {
			typ = defType
		}
		if typ == "" || major >= 7 {
			if major >= 7 || typ == "" {
				typ = "_doc"
			}
		}
		if meta.ID == "" {
			meta.ID = randID()
		}
		status, result := 201, "created"
		if op == "update" || op == "delete" {
			status, result = 200, map[string]string{"update": "updated", "delete": "deleted"}[op]
		}
		if n > 0 {
			out.WriteByte(',')
		}
		fmt.Fprintf(&out, `{%q:{"_index":%s,`, op, strconv.Quote(meta.Index))
		if major < 8 {
			fmt.Fprintf(&out, `"_type":%s,`, strconv.Quote(typ))
		}
		if reject != 0 {
			typ, reason := "exception", "essink reject mode"
			if reject == 429 {
				typ, reason = "es_rejected_execution_exception", "rejected execution of processing of [essink] on EsThreadPoolExecutor[name = essink/write, queue capacity = 10000]"
			}
			fmt.Fprintf(&out, `"_id":%s,"status":%d,"error":{"type":%q,"reason":%q}}}`, strconv.Quote(meta.ID), reject, typ, reason)
			n++
			continue
		}
		seq := v.seq.Add(1) - 1
		fmt.Fprintf(&out, `"_id":%s,"_version":1,"result":%q,"_shards":{"total":2,"successful":1,"failed":0},"_seq_no":%d,"_primary_term":1,"status":%d}}`,
			strconv.Quote(meta.ID), result, seq, status)
		n++
		switch {
		case strings.Contains(meta.Index, "jaeger-span"):
			spans++
		case strings.Contains(meta.Index, "jaeger-service"):
			svcs++
		}
	}
	if err := sc.Err(); err != nil {
		v.esBadRequest(w, r, err.Error())
		return
	}
	b := make([]byte, 0, out.Len()+64)
	b = fmt.Appendf(b, `{"took":%d,"errors":%t,"items":[`, time.Since(start).Milliseconds(), reject != 0)
	b = append(b, out.Bytes()...)
	b = append(b, "]}"...)
	if reject != 0 {
		v.docsRejected.Add(int64(n))
		writeJSON(w, r, 200, b)
		return
	}
	v.docs.Add(int64(n))
	v.spanDocs.Add(int64(spans))
	v.svcDocs.Add(int64(svcs))
	writeJSON(w, r, 200, b)
}

func (v *server) esBadRequest(w http.ResponseWriter, r *http.Request, reason string) {
	b, _ := json.Marshal(map[string]any{
		"error":  map[string]any{"root_cause": []any{map[string]any{"type": "illegal_argument_exception", "reason": reason}}, "type": "illegal_argument_exception", "reason": reason},
		"status": 400,
	})
	v.s.Log.Event("bad_bulk", reason)
	writeJSON(w, r, 400, b)
}

const idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func randID() string {
	var b [20]byte
	for i := range b {
		b[i] = idChars[rand.IntN(len(idChars))]
	}
	return string(b[:])
}
