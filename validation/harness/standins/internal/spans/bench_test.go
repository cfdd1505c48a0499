package spans

import "testing"

// Per-request cost of making and encoding one 8.67-span request (the loadgen's CPU per
// request, the sender's transport excluded).
func benchEnc(b *testing.B, enc func([]Span) []byte) {
	sh := Default().NewGen()
	b.ReportAllocs()
	n := 0
	for i := 0; i < b.N; i++ {
		ss := sh.Request(uint64(i), 1_600_000_000_000_000)
		n += len(ss)
		_ = enc(ss)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/span")
}

func BenchmarkGenerate(b *testing.B)     { benchEnc(b, func([]Span) []byte { return nil }) }
func BenchmarkOTLP(b *testing.B)         { benchEnc(b, OTLPBytes) }
func BenchmarkZipkinJSON(b *testing.B)   { benchEnc(b, ZipkinJSON) }
func BenchmarkJaegerProto(b *testing.B)  { benchEnc(b, JaegerPostSpans) }
func BenchmarkJaegerThrift(b *testing.B) { benchEnc(b, JaegerThrift) }
