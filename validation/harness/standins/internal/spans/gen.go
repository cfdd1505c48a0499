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
	"fmt"
	"math/rand/v2"
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

// fit pads s with a deterministic filler, or cuts it, to n bytes.
func fit(s string, n int) string {
	if n <= 0 {
		return ""
	}
	for len(s) < n {
		s += "-abcdefghijklmnopqrstuvwxyz0123456789"
	}
	return s[:n]
}

var baseServices = []string{"productpage", "reviews", "ratings", "details", "frontend", "checkout", "cart", "catalogue", "payment", "shipping", "orders", "users"}

func (sh Shape) service(k int) string {
	b := baseServices[k%len(baseServices)]
	if k >= len(baseServices) {
		b = fmt.Sprintf("%s%d", b, k/len(baseServices))
	}
	return fit(b+".default", sh.ServiceBytes)
}

func (sh Shape) op(k int) string {
	b := baseServices[k%len(baseServices)]
	return fit(b+".default.svc.cluster.local:9080/*", sh.OpBytes)
}

func hexID(r *rand.Rand) string { return fmt.Sprintf("%08x", r.Uint32()) }

// The seed's load came from JMeter, whose HTTP client sends Apache HttpClient's agent; a
// longer --ua-bytes pads these (fit).
var userAgents = []string{
	"Apache-HttpClient/4.5.12 (Java/11.0.9.1)",
	"Apache-HttpClient/4.5.13 (Java/1.8.0_275)",
	"Apache-HttpClient/4.5.12 (Java/11.0.10)",
}

// Request makes the spans of request i starting at startUs: one trace, spans across
// services in a call chain, each with a parent. Deterministic in (Seed, i).
func (sh Shape) Request(i uint64, startUs int64) []Span {
	r := rand.New(rand.NewPCG(sh.Seed, i*0x9E3779B97F4A7C15+1))
	n := sh.Count(i)
	out := make([]Span, n)
	hi, lo := r.Uint64(), r.Uint64()
	reqID := fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", r.Uint32(), r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint32()&0xffff, r.Uint64()&0xffffffffffff)
	parent := r.Uint64() | 1 // the ingress's span
	t := startUs
	for j := 0; j < n; j++ {
		svcK := (j / 2) % max(sh.Services, 1)
		server := j%2 == 1
		s := &out[j]
		s.TraceHi, s.TraceLo = hi, lo
		s.SpanID = r.Uint64() | 1
		s.ParentID = parent
		parent = s.SpanID
		s.Service = sh.service(svcK)
		s.Op = sh.op((svcK + 1) % max(sh.Services, 1))
		s.IP = fmt.Sprintf("10.44.%d.%d", svcK%4, 10+svcK)
		s.StartUs = t
		s.DurUs = int64(500 + r.IntN(20000))
		t += int64(50 + r.IntN(200))
		s.Server = server
		s.Tags = sh.tags(r, svcK, reqID, s.IP)
	}
	return out
}

func (sh Shape) tags(r *rand.Rand, svcK int, reqID, ip string) []KV {
	svc := baseServices[(svcK+1)%len(baseServices)]
	pod := fmt.Sprintf("%s-v1-%s-%s", baseServices[svcK%len(baseServices)], hexID(r)[:8], hexID(r)[:5])
	urlLen := sh.URLBytes
	if sh.URLJitter > 0 {
		urlLen += r.IntN(2*sh.URLJitter+1) - sh.URLJitter
	}
	url := fit(fmt.Sprintf("http://%s:9080/%s/%d?u=", svc, svc, r.IntN(1000)), max(urlLen, 1))
	status := "200"
	if r.IntN(100) == 0 {
		status = "503"
	}
	cluster := fmt.Sprintf("outbound|9080||%s.default.svc.cluster.local", svc)
	vals := []string{
		"proxy",
		fit(fmt.Sprintf("sidecar~%s~%s.default~default.svc.cluster.local", ip, pod), sh.NodeIDBytes),
		reqID,
		url,
		"GET",
		"HTTP/1.1",
		status,
		"-",
		fit(userAgents[r.IntN(len(userAgents))], sh.UABytes),
		fmt.Sprintf("10.44.%d.%d", r.IntN(4), 10+r.IntN(200)),
		"0",
		fmt.Sprint(200 + r.IntN(4000)),
		"-",
		cluster,
		cluster,
	}
	out := make([]KV, 0, sh.Tags)
	for k := 0; k < sh.Tags; k++ {
		switch {
		case k < len(EnvoyKeys):
			out = append(out, KV{EnvoyKeys[k], vals[k]})
		case k < len(EnvoyKeys)+len(Istio19Keys):
			v := []string{"v1", svc, "cluster.local", "default"}[k-len(EnvoyKeys)]
			out = append(out, KV{Istio19Keys[k-len(EnvoyKeys)], v})
		default:
			out = append(out, KV{fmt.Sprintf("extra.%d", k), strings.Repeat("x", 16)})
		}
	}
	return out
}
