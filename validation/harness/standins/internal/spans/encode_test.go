package spans

// The hand-written encoders are checked by decoding with the official generated types:
// jaeger-idl's model/v1 (gogo protobuf, model.proto), proto-gen/api_v2 (collector.proto),
// thrift-gen/jaeger (jaeger.thrift, apache/thrift's binary protocol) and zipkin-go's
// model (Zipkin v2 JSON). Test-only dependencies: the binaries link none of them.

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
	model "github.com/jaegertracing/jaeger-idl/model/v1"
	"github.com/jaegertracing/jaeger-idl/proto-gen/api_v2"
	jthrift "github.com/jaegertracing/jaeger-idl/thrift-gen/jaeger"
	zipkin "github.com/openzipkin/zipkin-go/model"
	"google.golang.org/protobuf/proto"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
)

func sample() []Span { return Default().Request(7, 1_600_000_000_123_456) }

func TestJaegerProtoDecodes(t *testing.T) {
	ss := sample()
	for i := range ss {
		s := &ss[i]
		b := JaegerSpan(s)
		var m model.Span
		if err := m.Unmarshal(b); err != nil {
			t.Fatal(err)
		}
		if m.Size() != len(b) {
			t.Errorf("model.Span.Size() %d, encoded %d", m.Size(), len(b))
		}
		if m.TraceID.High != s.TraceHi || m.TraceID.Low != s.TraceLo || uint64(m.SpanID) != s.SpanID ||
			m.OperationName != s.Op || m.Process.ServiceName != s.Service || len(m.Tags) != 15 ||
			len(m.Process.Tags) != 1 || m.Process.Tags[0].Key != "ip" || m.Process.Tags[0].VStr != s.IP ||
			len(m.References) != 1 || uint64(m.References[0].SpanID) != s.ParentID || m.References[0].RefType != model.ChildOf ||
			m.StartTime.UnixMicro() != s.StartUs || m.Duration.Microseconds() != s.DurUs || !m.Flags.IsSampled() {
			t.Fatalf("decoded %+v from %+v", m, s)
		}
		for k, kv := range m.Tags {
			if kv.Key != s.Tags[k].Key || kv.VStr != s.Tags[k].Val || kv.VType != model.StringType {
				t.Fatalf("tag %d: %+v", k, kv)
			}
		}
		if m.ParentSpanID() != model.SpanID(s.ParentID) {
			t.Fatalf("parent %v", m.ParentSpanID())
		}
	}
	var req api_v2.PostSpansRequest
	if err := req.Unmarshal(JaegerPostSpans(ss)); err != nil {
		t.Fatal(err)
	}
	if len(req.Batch.Spans) != len(ss) || req.Batch.Spans[3].Process.ServiceName != ss[3].Service {
		t.Fatalf("PostSpansRequest %+v", req.Batch)
	}
}

func TestJaegerThriftDecodes(t *testing.T) {
	ss := sample()
	b := JaegerThrift(ss)
	tr := thrift.NewTMemoryBufferLen(len(b))
	tr.Write(b)
	batch := jthrift.NewBatch()
	if err := batch.Read(context.Background(), thrift.NewTBinaryProtocolConf(tr, nil)); err != nil {
		t.Fatal(err)
	}
	if batch.Process.ServiceName != ss[0].Service || len(batch.Process.Tags) != 1 || len(batch.Spans) != len(ss) {
		t.Fatalf("batch %+v", batch)
	}
	for i, js := range batch.Spans {
		s := &ss[i]
		if uint64(js.TraceIdHigh) != s.TraceHi || uint64(js.TraceIdLow) != s.TraceLo || uint64(js.SpanId) != s.SpanID ||
			uint64(js.ParentSpanId) != s.ParentID || js.OperationName != s.Op || len(js.Tags) != 15 ||
			len(js.References) != 1 || uint64(js.References[0].SpanId) != s.ParentID || js.StartTime != s.StartUs || js.Duration != s.DurUs {
			t.Fatalf("span %d: %+v", i, js)
		}
		if *js.Tags[3].VStr != s.Tags[3].Val || js.Tags[3].VType != jthrift.TagType_STRING {
			t.Fatalf("tag %+v", js.Tags[3])
		}
	}
}

func TestZipkinJSONDecodes(t *testing.T) {
	ss := sample()
	ss[0].Tags[3].Val = "http://x/\"quoted\"\\back\nline\x01é" // escaping
	// the direct encoding holds the same JSON values as json.Marshal's
	var direct, viaStd any
	if err := json.Unmarshal(ZipkinJSON(ss), &direct); err != nil {
		t.Fatal(err)
	}
	zs0 := make([]zSpan, len(ss))
	for i := range ss {
		zs0[i] = zipkinSpan(&ss[i])
	}
	std, _ := json.Marshal(zs0)
	json.Unmarshal(std, &viaStd)
	if !reflect.DeepEqual(direct, viaStd) {
		t.Fatalf("direct JSON differs:\n%s\n%s", ZipkinJSON(ss[:1]), std)
	}
	var zs []zipkin.SpanModel
	if err := json.Unmarshal(ZipkinJSON(ss), &zs); err != nil {
		t.Fatal(err)
	}
	for i, z := range zs {
		s := &ss[i]
		if z.TraceID.High != s.TraceHi || z.TraceID.Low != s.TraceLo || uint64(z.ID) != s.SpanID || z.ParentID == nil ||
			uint64(*z.ParentID) != s.ParentID || z.Name != s.Op || z.LocalEndpoint.ServiceName != s.Service ||
			z.LocalEndpoint.IPv4.String() != s.IP || len(z.Tags) != 15 || z.Timestamp.UnixMicro() != s.StartUs ||
			z.Duration.Microseconds() != s.DurUs || (z.Kind != zipkin.Client && z.Kind != zipkin.Server) {
			t.Fatalf("span %d: %+v", i, z)
		}
	}
}

func TestOTLPDecodes(t *testing.T) {
	ss := sample()
	var req collectortrace.ExportTraceServiceRequest
	b := OTLPBytes(ss)
	if err := proto.Unmarshal(b, &req); err != nil {
		t.Fatal(err)
	}
	// the hand encoding is the same message as the generated types', and as long
	if want := OTLPRequest(ss); !proto.Equal(&req, want) || proto.Size(want) != len(b) {
		t.Fatalf("OTLPBytes differs from proto.Marshal(OTLPRequest): %d vs %d bytes", len(b), proto.Size(want))
	}
	n := 0
	for _, rs := range req.ResourceSpans {
		for _, sc := range rs.ScopeSpans {
			n += len(sc.Spans)
			for _, sp := range sc.Spans {
				if len(sp.Attributes) != 15 || len(sp.ParentSpanId) != 8 || len(sp.TraceId) != 16 {
					t.Fatalf("span %v", sp)
				}
			}
		}
	}
	if n != len(ss) {
		t.Fatalf("%d spans, want %d", n, len(ss))
	}
}

func TestShape(t *testing.T) {
	sh := Default()
	total := 0
	for i := uint64(0); i < 300; i++ {
		c := sh.Count(i)
		if c != 8 && c != 9 {
			t.Fatalf("request %d: %d spans", i, c)
		}
		total += c
	}
	if total != 2601 { // floor(8.67*300)
		t.Fatalf("300 requests carry %d spans", total)
	}
	s := sh.Request(1, 0)[0]
	if len(s.Service) != 20 || len(s.Op) != 44 || len(s.Tags) != 15 {
		t.Fatalf("shape %d %d %d", len(s.Service), len(s.Op), len(s.Tags))
	}
	for _, n := range []int{0, 19, 25} {
		sh.Tags = n
		if got := len(sh.Request(1, 0)[0].Tags); got != n {
			t.Fatalf("--tags %d gave %d", n, got)
		}
	}
}
