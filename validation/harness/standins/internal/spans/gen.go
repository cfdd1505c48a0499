// Package spans makes spans shaped like the seed's Istio (Envoy) sidecar spans and encodes
// them for each protocol the load generator speaks.
//
// The shape is the seed model's [workload.span_shape] (models/jaeger-collector-es-outage.toml):
// 15 tags with Envoy's keys before Istio 1.9 (component, node_id, guid:x-request-id, http.url,
// http.method, http.protocol, http.status_code, downstream_cluster, user_agent, peer.address,
// request_size, response_size, response_flags, upstream_cluster, upstream_cluster.name), one
// process tag (ip), one reference (CHILD_OF the caller), a ~44-byte operation name, a ~20-byte
// service name; ~845 B per span as Jaeger's protobuf model.Span (jaeger#2433's logged
// "average-span-size-bytes":845). Tag values are Envoy-like; their lengths are flags, with
// defaults chosen so that the mean model.Span size as the Jaeger v1 collector counts it for
// Zipkin input (after its conversion adds span.kind and internal.span.format, see
// JaegerCollectedSize) is ~845 B; the span as loadgen sends it is ~48 B smaller.
package spans

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// KV is a string tag (Envoy's Zipkin tags are all strings).
type KV struct{ Key, Val string }

// Span is the protocol-neutral span.
type Span struct {
	TraceHi, TraceLo uint64
	SpanID, ParentID uint64
	Op, Service, IP  string
	StartUs, DurUs   int64 // microseconds since the epoch; microseconds
	Server           bool  // SERVER (inbound sidecar) or CLIENT (outbound)
	Tags             []KV
}

// EnvoyKeys are the 15 tag keys of the seed's spans, in Envoy's order.
var EnvoyKeys = []string{
	"component", "node_id", "guid:x-request-id", "http.url", "http.method", "http.protocol",
	"http.status_code", "downstream_cluster", "user_agent", "peer.address", "request_size",
	"response_size", "response_flags", "upstream_cluster", "upstream_cluster.name",
}

// Istio19Keys are the istio.* tags Istio 1.9 added (istio/istio#28801), used past 15 tags.
var Istio19Keys = []string{"istio.canonical_revision", "istio.canonical_service", "istio.mesh_id", "istio.namespace"}

// Shape is the generator's parameters.
type Shape struct {
	SpansPerRequest float64 // mean; request i carries floor(m*(i+1))-floor(m*i) spans
	Tags            int     // tags per span (15: the Envoy keys; more: istio.* then extra.N)
	OpBytes         int     // operation name length
	ServiceBytes    int     // service name length
	URLBytes        int     // mean http.url length (uniform ±URLJitter)
	URLJitter       int
	UABytes         int // user_agent length
	NodeIDBytes     int // node_id length
	Services        int // distinct services in the mesh
	Seed            uint64
}

// Default is the seed's shape.
func Default() Shape {
	return Shape{SpansPerRequest: 8.67, Tags: 15, OpBytes: 44, ServiceBytes: 20,
		URLBytes: 48, URLJitter: 40, UABytes: 40, NodeIDBytes: 85, Services: 8, Seed: 1}
}

// Count is the number of spans of request i.
func (sh Shape) Count(i uint64) int {
	m := sh.SpansPerRequest
	return int(floorMul(m, i+1) - floorMul(m, i))
}

func floorMul(m float64, i uint64) uint64 { return uint64(m * float64(i)) }

// filler pads names and values to their lengths (fit).
var filler = strings.Repeat("-abcdefghijklmnopqrstuvwxyz0123456789", 64)

// fit pads s with a deterministic filler, or cuts it, to n bytes.
func fit(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for len(s) < n {
		k := min(n-len(s), len(filler))
		s += filler[:k]
	}
	return s[:n]
}

var baseServices = []string{"productpage", "reviews", "ratings", "details", "frontend", "checkout", "cart", "catalogue", "payment", "shipping", "orders", "users"}

func baseName(k int) string {
	b := baseServices[k%len(baseServices)]
	if k >= len(baseServices) {
		b += strconv.Itoa(k / len(baseServices))
	}
	return b
}

// The seed's load came from JMeter, whose HTTP client sends Apache HttpClient's agent; a
// longer --ua-bytes pads these (fit).
var userAgents = []string{
	"Apache-HttpClient/4.5.12 (Java/11.0.9.1)",
	"Apache-HttpClient/4.5.13 (Java/1.8.0_275)",
	"Apache-HttpClient/4.5.12 (Java/11.0.10)",
}

// sidecar is what stays the same for every span of one service's sidecar.
type sidecar struct {
	service, op, ip, nodeID, callee, cluster, urlPrefix string
}

// Gen makes requests of a Shape; it caches the per-sidecar strings. Safe for concurrent use.
type Gen struct {
	sh   Shape
	cars []sidecar
	uas  []string
}

// NewGen prepares a generator.
func (sh Shape) NewGen() *Gen {
	g := &Gen{sh: sh}
	n := max(sh.Services, 1)
	for k := 0; k < n; k++ {
		callee := baseName((k + 1) % n)
		ip := "10.44." + strconv.Itoa(k%4) + "." + strconv.Itoa(10+k)
		// A pod name as Kubernetes makes it: deployment-replicaset hash-pod suffix.
		pr := rand.New(rand.NewPCG(sh.Seed, uint64(k)+0xC0FFEE))
		pod := baseName(k) + "-v1-" + podHash(pr, 10) + "-" + podHash(pr, 5)
		g.cars = append(g.cars, sidecar{
			service:   fit(baseName(k)+".default", sh.ServiceBytes),
			op:        fit(callee+".default.svc.cluster.local:9080/*", sh.OpBytes),
			ip:        ip,
			nodeID:    fit("sidecar~"+ip+"~"+pod+".default~default.svc.cluster.local", sh.NodeIDBytes),
			callee:    callee,
			cluster:   "outbound|9080||" + callee + ".default.svc.cluster.local",
			urlPrefix: "http://" + callee + ":9080/" + callee + "/",
		})
	}
	for _, ua := range userAgents {
		g.uas = append(g.uas, fit(ua, sh.UABytes))
	}
	return g
}

// Request is NewGen().Request (for one-off use).
func (sh Shape) Request(i uint64, startUs int64) []Span { return sh.NewGen().Request(i, startUs) }

// podHash draws n characters of Kubernetes' name-suffix alphabet (no vowels, no 0/1/3).
func podHash(r *rand.Rand, n int) string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

const hexdigits = "0123456789abcdef"

func appendHex(b []byte, v uint64, digits int) []byte {
	for d := digits - 1; d >= 0; d-- {
		b = append(b, hexdigits[(v>>(4*uint(d)))&0xf])
	}
	return b
}

// Request makes the spans of request i starting at startUs: one trace, spans across
// services in a call chain (client and server span of each hop), each with a parent.
// Deterministic in (Seed, i).
func (g *Gen) Request(i uint64, startUs int64) []Span {
	sh := g.sh
	r := rand.New(rand.NewPCG(sh.Seed, i*0x9E3779B97F4A7C15+1))
	n := sh.Count(i)
	out := make([]Span, n)
	hi, lo := r.Uint64(), r.Uint64()
	id := make([]byte, 0, 36)
	id = appendHex(id, r.Uint64(), 8)
	id = append(id, '-')
	id = appendHex(id, r.Uint64(), 4)
	id = append(id, '-')
	id = appendHex(id, r.Uint64(), 4)
	id = append(id, '-')
	id = appendHex(id, r.Uint64(), 4)
	id = append(id, '-')
	id = appendHex(id, r.Uint64(), 12)
	reqID := string(id)
	parent := r.Uint64() | 1 // the ingress's span
	t := startUs
	tags := make([]KV, n*sh.Tags) // one backing array for the request
	for j := 0; j < n; j++ {
		car := &g.cars[(j/2)%len(g.cars)]
		s := &out[j]
		s.TraceHi, s.TraceLo = hi, lo
		s.SpanID = r.Uint64() | 1
		s.ParentID = parent
		parent = s.SpanID
		s.Service, s.Op, s.IP = car.service, car.op, car.ip
		s.StartUs = t
		s.DurUs = int64(500 + r.IntN(20000))
		t += int64(50 + r.IntN(200))
		s.Server = j%2 == 1
		s.Tags = g.tags(r, car, reqID, tags[j*sh.Tags:(j+1)*sh.Tags:(j+1)*sh.Tags])
	}
	return out
}

func (g *Gen) tags(r *rand.Rand, car *sidecar, reqID string, out []KV) []KV {
	sh := g.sh
	urlLen := sh.URLBytes
	if sh.URLJitter > 0 {
		urlLen += r.IntN(2*sh.URLJitter+1) - sh.URLJitter
	}
	url := fit(car.urlPrefix+strconv.Itoa(r.IntN(1000))+"?u=", max(urlLen, 1))
	status := "200"
	if r.IntN(100) == 0 {
		status = "503"
	}
	peer := "10.44." + strconv.Itoa(r.IntN(4)) + "." + strconv.Itoa(10+r.IntN(200))
	respSize := strconv.Itoa(200 + r.IntN(4000))
	ua := g.uas[r.IntN(len(g.uas))]
	for k := range out {
		var v string
		switch k {
		case 0:
			v = "proxy"
		case 1:
			v = car.nodeID
		case 2:
			v = reqID
		case 3:
			v = url
		case 4:
			v = "GET"
		case 5:
			v = "HTTP/1.1"
		case 6:
			v = status
		case 7:
			v = "-"
		case 8:
			v = ua
		case 9:
			v = peer
		case 10:
			v = "0"
		case 11:
			v = respSize
		case 12:
			v = "-"
		case 13, 14:
			v = car.cluster
		}
		switch {
		case k < len(EnvoyKeys):
			out[k] = KV{EnvoyKeys[k], v}
		case k < len(EnvoyKeys)+len(Istio19Keys):
			out[k] = KV{Istio19Keys[k-len(EnvoyKeys)], []string{"v1", car.callee, "cluster.local", "default"}[k-len(EnvoyKeys)]}
		default:
			out[k] = KV{"extra." + strconv.Itoa(k), filler[1:17]}
		}
	}
	return out
}
