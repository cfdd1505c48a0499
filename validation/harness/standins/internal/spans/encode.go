package spans

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

// ---- Jaeger protobuf (jaeger-idl proto/api_v2/model.proto, collector.proto) ----
//
// Span: trace_id=1 bytes(16), span_id=2 bytes(8), operation_name=3, references=4 (SpanRef:
// trace_id=1, span_id=2, ref_type=3 with CHILD_OF=0), flags=5, start_time=6
// (google.protobuf.Timestamp: seconds=1, nanos=2), duration=7 (google.protobuf.Duration:
// seconds=1, nanos=2), tags=8 (KeyValue: key=1, v_type=2 with STRING=0, v_str=3), logs=9,
// process=10 (Process: service_name=1, tags=2). Batch: spans=1, process=2.
// PostSpansRequest: batch=1. IDs are big-endian, as jaeger model's TraceID/SpanID Marshal.

func appendTraceID(b []byte, hi, lo uint64) []byte {
	b = protowire.AppendVarint(b, 16)
	b = binary.BigEndian.AppendUint64(b, hi)
	return binary.BigEndian.AppendUint64(b, lo)
}

func appendSpanID(b []byte, id uint64) []byte {
	b = protowire.AppendVarint(b, 8)
	return binary.BigEndian.AppendUint64(b, id)
}

func appendKV(b []byte, field protowire.Number, k, v string) []byte {
	// KeyValue{key=1, v_str=3}; v_type STRING = 0 is the proto3 default: not written.
	n := 1 + protowire.SizeVarint(uint64(len(k))) + len(k) + 1 + protowire.SizeVarint(uint64(len(v))) + len(v)
	b = protowire.AppendTag(b, field, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, k)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendTimestamp(b []byte, field protowire.Number, us int64) []byte {
	var t []byte
	sec, nanos := us/1e6, (us%1e6)*1000
	if sec != 0 {
		t = protowire.AppendTag(t, 1, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(sec))
	}
	if nanos != 0 {
		t = protowire.AppendTag(t, 2, protowire.VarintType)
		t = protowire.AppendVarint(t, uint64(nanos))
	}
	b = protowire.AppendTag(b, field, protowire.BytesType)
	return protowire.AppendBytes(b, t)
}

// JaegerProcess encodes model.Process{service_name, tags:[ip]}.
func JaegerProcess(s *Span) []byte { return jaegerProcess(s, false) }

func jaegerProcess(s *Span, ipInt bool) []byte {
	var p []byte
	p = protowire.AppendTag(p, 1, protowire.BytesType)
	p = protowire.AppendString(p, s.Service)
	if ipInt {
		// model.Int64("ip", ...): key=1, v_type=2 (INT64=2), v_int64=5
		var kv []byte
		kv = protowire.AppendTag(kv, 1, protowire.BytesType)
		kv = protowire.AppendString(kv, "ip")
		kv = protowire.AppendTag(kv, 2, protowire.VarintType)
		kv = protowire.AppendVarint(kv, 2)
		kv = protowire.AppendTag(kv, 5, protowire.VarintType)
		kv = protowire.AppendVarint(kv, uint64(ipv4(s.IP)))
		p = protowire.AppendTag(p, 2, protowire.BytesType)
		p = protowire.AppendBytes(p, kv)
	} else {
		p = appendKV(p, 2, "ip", s.IP)
	}
	return p
}

func ipv4(s string) uint32 {
	var v uint32
	for _, part := range strings.Split(s, ".") {
		n, _ := strconv.Atoi(part)
		v = v<<8 | uint32(n&0xff)
	}
	return v
}

// JaegerSpan encodes one model.Span with its Process, as sent on jaeger-grpc.
func JaegerSpan(s *Span) []byte { return jaegerSpan(s, false, nil) }

// JaegerCollectedSize is the model.Span.Size() the Jaeger v1 collector counts for this span
// (span_processor.go countSpan, whose running mean it logs as the average span size) when
// the span arrived as Zipkin (fromZipkin) or as Jaeger proto/thrift (format "proto" /
// "jaeger"). From Zipkin (v1.22 cmd/collector/app/zipkin/jsonv2.go to zipkincore, then
// model/converter/thrift/zipkin/to_domain.go): the process tag ip becomes an INT64
// (generateProcess: model.Int64(IPTagName, ...)) and a span.kind tag is added
// (transformSpan: "server"/"client"). Every format: enqueueSpan appends
// internal.span.format ("zipkin", "proto", "jaeger") before the worker's countSpan.
func JaegerCollectedSize(s *Span, fromZipkin bool, format string) int {
	extra := []KV{{"internal.span.format", format}}
	if fromZipkin {
		kind := "client"
		if s.Server {
			kind = "server"
		}
		extra = append([]KV{{"span.kind", kind}}, extra...)
	}
	return len(jaegerSpan(s, fromZipkin, extra))
}

func jaegerSpan(s *Span, ipInt bool, extra []KV) []byte {
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = appendTraceID(b, s.TraceHi, s.TraceLo)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = appendSpanID(b, s.SpanID)
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendString(b, s.Op)
	var ref []byte
	ref = protowire.AppendTag(ref, 1, protowire.BytesType)
	ref = appendTraceID(ref, s.TraceHi, s.TraceLo)
	ref = protowire.AppendTag(ref, 2, protowire.BytesType)
	ref = appendSpanID(ref, s.ParentID)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendBytes(b, ref)
	b = protowire.AppendTag(b, 5, protowire.VarintType)
	b = protowire.AppendVarint(b, 1) // sampled
	b = appendTimestamp(b, 6, s.StartUs)
	b = appendTimestamp(b, 7, s.DurUs)
	for _, kv := range s.Tags {
		b = appendKV(b, 8, kv.Key, kv.Val)
	}
	for _, kv := range extra {
		b = appendKV(b, 8, kv.Key, kv.Val)
	}
	b = protowire.AppendTag(b, 10, protowire.BytesType)
	b = protowire.AppendBytes(b, jaegerProcess(s, ipInt))
	return b
}

// JaegerPostSpans encodes api_v2.PostSpansRequest{batch:{spans}}, each span carrying its
// own process (allowed: "span.Process taking priority over batch.Process").
func JaegerPostSpans(ss []Span) []byte {
	var batch []byte
	for i := range ss {
		batch = protowire.AppendTag(batch, 1, protowire.BytesType)
		batch = protowire.AppendBytes(batch, JaegerSpan(&ss[i]))
	}
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	return protowire.AppendBytes(b, batch)
}

// ---- OTLP protobuf ----

func u64be(hi, lo uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, hi)
	return binary.BigEndian.AppendUint64(b, lo)
}

// OTLPSpan converts one span (without its resource).
func OTLPSpan(s *Span) *tracepb.Span {
	kind := tracepb.Span_SPAN_KIND_CLIENT
	if s.Server {
		kind = tracepb.Span_SPAN_KIND_SERVER
	}
	attrs := make([]*commonpb.KeyValue, len(s.Tags))
	for i, kv := range s.Tags {
		attrs[i] = &commonpb.KeyValue{Key: kv.Key, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: kv.Val}}}
	}
	return &tracepb.Span{
		TraceId:           u64be(s.TraceHi, s.TraceLo),
		SpanId:            binary.BigEndian.AppendUint64(nil, s.SpanID),
		ParentSpanId:      binary.BigEndian.AppendUint64(nil, s.ParentID),
		Name:              s.Op,
		Kind:              kind,
		StartTimeUnixNano: uint64(s.StartUs) * 1000,
		EndTimeUnixNano:   uint64(s.StartUs+s.DurUs) * 1000,
		Attributes:        attrs,
		Flags:             0x100 | 1, // has-is-remote known, sampled (trace flags)
	}
}

// OTLPRequest groups the spans by service into ResourceSpans (service.name, ip).
func OTLPRequest(ss []Span) *collectortrace.ExportTraceServiceRequest {
	req := &collectortrace.ExportTraceServiceRequest{}
	idx := map[string]*tracepb.ScopeSpans{}
	for i := range ss {
		s := &ss[i]
		sc, ok := idx[s.Service]
		if !ok {
			sc = &tracepb.ScopeSpans{Scope: &commonpb.InstrumentationScope{Name: "envoy"}}
			req.ResourceSpans = append(req.ResourceSpans, &tracepb.ResourceSpans{
				Resource: &resourcepb.Resource{Attributes: []*commonpb.KeyValue{
					{Key: "service.name", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s.Service}}},
					{Key: "ip", Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s.IP}}},
				}},
				ScopeSpans: []*tracepb.ScopeSpans{sc},
			})
			idx[s.Service] = sc
		}
		sc.Spans = append(sc.Spans, OTLPSpan(s))
	}
	return req
}

// OTLPBytes is the OTLP ExportTraceServiceRequest's protobuf, encoded directly (the same
// message as proto.Marshal(OTLPRequest(ss)), which the tests check, at a fraction of the
// CPU). Field numbers from opentelemetry-proto (trace.proto, common.proto, resource.proto):
// ExportTraceServiceRequest.resource_spans=1; ResourceSpans.resource=1, scope_spans=2;
// Resource.attributes=1; ScopeSpans.scope=1, spans=2; InstrumentationScope.name=1;
// Span.trace_id=1, span_id=2, parent_span_id=4, name=5, kind=6, start_time_unix_nano=7
// (fixed64), end_time_unix_nano=8 (fixed64), attributes=9, flags=16 (fixed32);
// KeyValue.key=1, value=2; AnyValue.string_value=1.
func OTLPBytes(ss []Span) []byte {
	// group by service, in order of first appearance (as OTLPRequest)
	var order []string
	groups := map[string][]int{}
	for i := range ss {
		if _, ok := groups[ss[i].Service]; !ok {
			order = append(order, ss[i].Service)
		}
		groups[ss[i].Service] = append(groups[ss[i].Service], i)
	}
	out := make([]byte, 0, len(ss)*900+256)
	var scope, span, rs []byte
	for _, svc := range order {
		idx := groups[svc]
		scope = scope[:0]
		scope = protowire.AppendTag(scope, 1, protowire.BytesType)
		scope = protowire.AppendVarint(scope, uint64(1+protowire.SizeBytes(len("envoy"))))
		scope = protowire.AppendTag(scope, 1, protowire.BytesType)
		scope = protowire.AppendString(scope, "envoy")
		for _, i := range idx {
			span = appendOTLPSpan(span[:0], &ss[i])
			scope = protowire.AppendTag(scope, 2, protowire.BytesType)
			scope = protowire.AppendBytes(scope, span)
		}
		first := &ss[idx[0]]
		res := appendStrKV(nil, 1, "service.name", first.Service)
		res = appendStrKV(res, 1, "ip", first.IP)
		rs = rs[:0]
		rs = protowire.AppendTag(rs, 1, protowire.BytesType)
		rs = protowire.AppendBytes(rs, res)
		rs = protowire.AppendTag(rs, 2, protowire.BytesType)
		rs = protowire.AppendBytes(rs, scope)
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, rs)
	}
	return out
}

// appendStrKV appends a KeyValue{key, value: AnyValue{string_value}} as field.
func appendStrKV(b []byte, field protowire.Number, k, v string) []byte {
	anyLen := 1 + protowire.SizeBytes(len(v))
	n := 1 + protowire.SizeBytes(len(k)) + 1 + protowire.SizeBytes(anyLen)
	b = protowire.AppendTag(b, field, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(n))
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendString(b, k)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendVarint(b, uint64(anyLen))
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendOTLPSpan(b []byte, s *Span) []byte {
	b = protowire.AppendTag(b, 1, protowire.BytesType)
	b = protowire.AppendVarint(b, 16)
	b = binary.BigEndian.AppendUint64(b, s.TraceHi)
	b = binary.BigEndian.AppendUint64(b, s.TraceLo)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendVarint(b, 8)
	b = binary.BigEndian.AppendUint64(b, s.SpanID)
	b = protowire.AppendTag(b, 4, protowire.BytesType)
	b = protowire.AppendVarint(b, 8)
	b = binary.BigEndian.AppendUint64(b, s.ParentID)
	b = protowire.AppendTag(b, 5, protowire.BytesType)
	b = protowire.AppendString(b, s.Op)
	kind := uint64(tracepb.Span_SPAN_KIND_CLIENT)
	if s.Server {
		kind = uint64(tracepb.Span_SPAN_KIND_SERVER)
	}
	b = protowire.AppendTag(b, 6, protowire.VarintType)
	b = protowire.AppendVarint(b, kind)
	b = protowire.AppendTag(b, 7, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, uint64(s.StartUs)*1000)
	b = protowire.AppendTag(b, 8, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, uint64(s.StartUs+s.DurUs)*1000)
	for _, kv := range s.Tags {
		b = appendStrKV(b, 9, kv.Key, kv.Val)
	}
	b = protowire.AppendTag(b, 16, protowire.Fixed32Type)
	return protowire.AppendFixed32(b, 0x100|1)
}

// OTLPSpanSize is one span's protobuf size inside its ScopeSpans (field tag and length included).
func OTLPSpanSize(s *Span) int {
	n := proto.Size(OTLPSpan(s))
	return n + protowire.SizeTag(2) + protowire.SizeVarint(uint64(n))
}

// ---- Zipkin v2 JSON (zipkin-api zipkin2-api.yaml, ListOfSpans) ----

type zEndpoint struct {
	ServiceName string `json:"serviceName,omitempty"`
	IPv4        string `json:"ipv4,omitempty"`
}

type zSpan struct {
	TraceID       string            `json:"traceId"`
	ParentID      string            `json:"parentId,omitempty"`
	ID            string            `json:"id"`
	Kind          string            `json:"kind,omitempty"`
	Name          string            `json:"name"`
	Timestamp     int64             `json:"timestamp"`
	Duration      int64             `json:"duration"`
	LocalEndpoint zEndpoint         `json:"localEndpoint"`
	Tags          map[string]string `json:"tags"`
}

func hex64(v uint64) string {
	s := strconv.FormatUint(v, 16)
	for len(s) < 16 {
		s = "0" + s
	}
	return s
}

func zipkinSpan(s *Span) zSpan {
	kind := "CLIENT"
	if s.Server {
		kind = "SERVER"
	}
	tags := make(map[string]string, len(s.Tags))
	for _, kv := range s.Tags {
		tags[kv.Key] = kv.Val
	}
	return zSpan{
		TraceID: hex64(s.TraceHi) + hex64(s.TraceLo), ParentID: hex64(s.ParentID), ID: hex64(s.SpanID),
		Kind: kind, Name: s.Op, Timestamp: s.StartUs, Duration: s.DurUs,
		LocalEndpoint: zEndpoint{ServiceName: s.Service, IPv4: s.IP}, Tags: tags,
	}
}

// ZipkinJSON is a POST /api/v2/spans body, written directly (the same JSON values as
// json.Marshal of the zSpan structs, which the tests check; tags in Envoy's order rather
// than sorted).
func ZipkinJSON(ss []Span) []byte {
	b := make([]byte, 0, len(ss)*1000+2)
	b = append(b, '[')
	for i := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendZipkinSpan(b, &ss[i])
	}
	return append(b, ']')
}

func appendZipkinSpan(b []byte, s *Span) []byte {
	kind := "CLIENT"
	if s.Server {
		kind = "SERVER"
	}
	b = append(b, `{"traceId":"`...)
	b = appendHex(b, s.TraceHi, 16)
	b = appendHex(b, s.TraceLo, 16)
	b = append(b, `","parentId":"`...)
	b = appendHex(b, s.ParentID, 16)
	b = append(b, `","id":"`...)
	b = appendHex(b, s.SpanID, 16)
	b = append(b, `","kind":"`...)
	b = append(b, kind...)
	b = append(b, `","name":`...)
	b = appendJSONString(b, s.Op)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, s.StartUs, 10)
	b = append(b, `,"duration":`...)
	b = strconv.AppendInt(b, s.DurUs, 10)
	b = append(b, `,"localEndpoint":{"serviceName":`...)
	b = appendJSONString(b, s.Service)
	b = append(b, `,"ipv4":`...)
	b = appendJSONString(b, s.IP)
	b = append(b, `},"tags":{`...)
	for i, kv := range s.Tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv.Key)
		b = append(b, ':')
		b = appendJSONString(b, kv.Val)
	}
	return append(b, "}}"...)
}

// appendJSONString quotes s as a JSON string (escaping quotes, backslashes and control
// characters; the rest of UTF-8 passes as it is).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, `\u00`...)
			b = append(b, hexdigits[c>>4], hexdigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// ZipkinSpanSize is one span's JSON size (with its separating comma).
func ZipkinSpanSize(s *Span) int { return len(appendZipkinSpan(nil, s)) + 1 }

// ---- Jaeger Thrift, binary protocol (jaeger-idl thrift/jaeger.thrift) ----
//
// Batch{1: Process process, 2: list<Span> spans}; Process{1: string serviceName, 2:
// list<Tag> tags}; Span{1: i64 traceIdLow, 2: i64 traceIdHigh, 3: i64 spanId, 4: i64
// parentSpanId, 5: string operationName, 6: list<SpanRef> references, 7: i32 flags, 8: i64
// startTime, 9: i64 duration, 10: list<Tag> tags}; SpanRef{1: i32 refType, 2: i64
// traceIdLow, 3: i64 traceIdHigh, 4: i64 spanId}; Tag{1: string key, 2: i32 vType (STRING=0),
// 3: string vStr}. Thrift binary: field = type byte, i16 id; STOP = 0; list = elem type
// byte, i32 count; string = i32 length, bytes.

const (
	tStop   = 0
	tI32    = 8
	tI64    = 10
	tString = 11
	tStruct = 12
	tList   = 15
)

func thField(b []byte, typ byte, id int16) []byte {
	b = append(b, typ)
	return binary.BigEndian.AppendUint16(b, uint16(id))
}

func thI64(b []byte, id int16, v int64) []byte {
	return binary.BigEndian.AppendUint64(thField(b, tI64, id), uint64(v))
}

func thI32(b []byte, id int16, v int32) []byte {
	return binary.BigEndian.AppendUint32(thField(b, tI32, id), uint32(v))
}

func thStr(b []byte, id int16, s string) []byte {
	b = thField(b, tString, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

func thList(b []byte, id int16, elem byte, n int) []byte {
	b = thField(b, tList, id)
	b = append(b, elem)
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

func thTag(b []byte, k, v string) []byte {
	b = thStr(b, 1, k)
	b = thI32(b, 2, 0)
	b = thStr(b, 3, v)
	return append(b, tStop)
}

func thriftSpan(b []byte, s *Span) []byte {
	b = thI64(b, 1, int64(s.TraceLo))
	b = thI64(b, 2, int64(s.TraceHi))
	b = thI64(b, 3, int64(s.SpanID))
	b = thI64(b, 4, int64(s.ParentID))
	b = thStr(b, 5, s.Op)
	b = thList(b, 6, tStruct, 1)
	b = thI32(b, 1, 0)
	b = thI64(b, 2, int64(s.TraceLo))
	b = thI64(b, 3, int64(s.TraceHi))
	b = thI64(b, 4, int64(s.ParentID))
	b = append(b, tStop)
	b = thI32(b, 7, 1)
	b = thI64(b, 8, s.StartUs)
	b = thI64(b, 9, s.DurUs)
	b = thList(b, 10, tStruct, len(s.Tags))
	for _, kv := range s.Tags {
		b = thTag(b, kv.Key, kv.Val)
	}
	return append(b, tStop)
}

// JaegerThrift is a POST /api/traces body (application/x-thrift): one Batch whose
// Process is the first span's service (a Batch has one process).
func JaegerThrift(ss []Span) []byte {
	var b []byte
	b = thField(b, tStruct, 1)
	if len(ss) > 0 {
		b = thStr(b, 1, ss[0].Service)
		b = thList(b, 2, tStruct, 1)
		b = thTag(b, "ip", ss[0].IP)
	}
	b = append(b, tStop)
	b = thList(b, 2, tStruct, len(ss))
	for i := range ss {
		b = thriftSpan(b, &ss[i])
	}
	return append(b, tStop)
}

// ThriftSpanSize is one span's Thrift size.
func ThriftSpanSize(s *Span) int { return len(thriftSpan(nil, s)) }

var _ = math.MaxInt
