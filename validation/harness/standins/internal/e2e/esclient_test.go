package e2e

// essink against the real Elasticsearch clients the Jaeger collectors use (test-only
// dependencies): olivere/elastic v6.2.35 (Jaeger v1.22), olivere/elastic/v7 v7.0.32 and
// go-elasticsearch/v9 v9.1.0 (Jaeger v2, v1.75.0's go.mod). Each makes the start-up calls the
// collectors make (health check, ping/version, sniffing, templates, index creation) and
// a BulkProcessor flush, and must see every document succeed.

import (
	"context"
	"strings"
	"testing"
	"time"

	esv9 "github.com/elastic/go-elasticsearch/v9"
	elastic6 "github.com/olivere/elastic"
	elastic7 "github.com/olivere/elastic/v7"
)

func TestOlivereV7AgainstESSink(t *testing.T) {
	t.Parallel()
	for _, sniff := range []bool{false, true} {
		addr := freePort(t)
		start(t, "essink", "--listen", addr, "--es-version", "7.10.2")
		ctx := context.Background()
		cl, err := elastic7.NewClient(elastic7.SetURL("http://"+addr), elastic7.SetSniff(sniff),
			elastic7.SetHealthcheck(true), elastic7.SetGzip(true))
		if err != nil {
			t.Fatalf("sniff=%v NewClient: %v", sniff, err)
		}
		res, code, err := cl.Ping("http://" + addr).Do(ctx)
		if err != nil || code != 200 || res.Version.Number != "7.10.2" {
			t.Fatalf("Ping: %v %d %v", res, code, err)
		}
		if _, err := cl.IndexPutTemplate("jaeger-span").BodyString(`{"index_patterns":["*jaeger-span-*"]}`).Do(ctx); err != nil {
			t.Fatalf("put template: %v", err)
		}
		if ok, err := cl.IndexExists("jaeger-span-2026-12-07").Do(ctx); err != nil || ok {
			t.Fatalf("exists before: %v %v", ok, err)
		}
		if _, err := cl.CreateIndex("jaeger-span-2026-12-07").BodyString(`{}`).Do(ctx); err != nil {
			t.Fatalf("create index: %v", err)
		}
		if _, err := cl.CreateIndex("jaeger-span-2026-12-07").BodyString(`{}`).Do(ctx); !elastic7.IsStatusCode(err, 400) || !strings.Contains(err.Error(), "resource_already_exists_exception") {
			t.Fatalf("create index twice: %v", err)
		}
		bp, err := cl.BulkProcessor().Workers(1).BulkActions(1000).BulkSize(5 << 20).FlushInterval(200 * time.Millisecond).Stats(true).Do(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 250; i++ {
			bp.Add(elastic7.NewBulkIndexRequest().Index("jaeger-span-2026-12-07").Doc(map[string]any{"traceID": i, "tags": []any{map[string]any{"key": "k", "type": "string", "value": "v"}}}))
		}
		if err := bp.Flush(); err != nil {
			t.Fatal(err)
		}
		st := bp.Stats()
		bp.Close()
		if st.Succeeded != 250 || st.Failed != 0 || st.Indexed != 250 {
			t.Fatalf("sniff=%v bulk stats %+v", sniff, st)
		}
		cl.Stop()
	}
}

func TestOlivereV6AgainstESSink(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	start(t, "essink", "--listen", addr, "--es-version", "6.8.13")
	ctx := context.Background()
	cl, err := elastic6.NewClient(elastic6.SetURL("http://"+addr), elastic6.SetSniff(true), elastic6.SetHealthcheck(true))
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	defer cl.Stop()
	res, _, err := cl.Ping("http://" + addr).Do(ctx)
	if err != nil || res.Version.Number[0] != '6' {
		t.Fatalf("Ping: %v %v", res, err)
	}
	if _, err := cl.IndexPutTemplate("jaeger-service").BodyString(`{"index_patterns":"*jaeger-service-*"}`).Do(ctx); err != nil {
		t.Fatalf("put template: %v", err)
	}
	bp, err := cl.BulkProcessor().Workers(1).BulkActions(100).FlushInterval(200 * time.Millisecond).Stats(true).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 250; i++ {
		bp.Add(elastic6.NewBulkIndexRequest().Index("jaeger-span-2026-12-07").Type("span").Doc(map[string]any{"traceID": i}))
	}
	if err := bp.Flush(); err != nil {
		t.Fatal(err)
	}
	st := bp.Stats()
	bp.Close()
	if st.Succeeded != 250 || st.Failed != 0 || st.Committed < 3 {
		t.Fatalf("bulk stats %+v", st)
	}
}

func TestGoElasticsearchV9AgainstESSink(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	start(t, "essink", "--listen", addr, "--es-version", "8.15.0")
	cl, err := esv9.NewClient(esv9.Config{Addresses: []string{"http://" + addr}, CompressRequestBody: true})
	if err != nil {
		t.Fatal(err)
	}
	info, err := cl.Info()
	if err != nil || info.StatusCode != 200 {
		t.Fatalf("Info: %v %v", info, err)
	}
	info.Body.Close()
	resp, err := cl.Indices.PutIndexTemplate("jaeger-span", strings.NewReader(`{"index_patterns":["*jaeger-span-*"],"template":{}}`))
	if err != nil || resp.IsError() {
		t.Fatalf("PutIndexTemplate: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = cl.Bulk(strings.NewReader(bulkBody))
	if err != nil || resp.IsError() {
		t.Fatalf("Bulk: %v %v", resp, err)
	}
	resp.Body.Close()
}

// reject:429 answers 200 with every item failed 429; olivere's BulkProcessor retries such
// items (defaultRetryItemStatusCodes 408, 429, 503, 507) until the mode ends.
func TestOlivereV7RetriesRejectedItems(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	logf := t.TempDir() + "/es.csv"
	p := start(t, "essink", "--listen", addr, "--log", logf, "--schedule", "up:300ms,reject:429:1s,up")
	ctx := context.Background()
	cl, err := elastic7.NewClient(elastic7.SetURL("http://"+addr), elastic7.SetSniff(false))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	p.at(500 * time.Millisecond)
	bp, err := cl.BulkProcessor().Workers(1).BulkActions(1000).Stats(true).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 50; i++ {
		bp.Add(elastic7.NewBulkIndexRequest().Index("jaeger-span-2026-12-07").Doc(map[string]any{"i": i}))
	}
	if err := bp.Flush(); err != nil {
		t.Fatal(err)
	}
	done := time.Since(p.t0)
	st := bp.Stats()
	bp.Close()
	if st.Succeeded != 50 || done < 1300*time.Millisecond {
		t.Fatalf("stats %+v, flushed at %s (want after the reject ends at 1.3s)", st, done)
	}
	p.stop()
	sums, _ := readTidy(t, logf)
	if sums["docs_rejected"] < 100 || sums["docs_accepted"] != 50 {
		t.Fatalf("counts %v", sums)
	}
}

// A bulk held by a hang is reset when the hang ends; olivere's BulkProcessor sees a
// transport error and retries the commit (RetryNotify with its backoff), which then succeeds.
func TestOlivereV7BulkThroughHang(t *testing.T) {
	t.Parallel()
	addr := freePort(t)
	logf := t.TempDir() + "/es.csv"
	p := start(t, "essink", "--listen", addr, "--log", logf, "--schedule", "up:300ms,hang:1s,up")
	ctx := context.Background()
	cl, err := elastic7.NewClient(elastic7.SetURL("http://"+addr), elastic7.SetSniff(false), elastic7.SetHealthcheck(false))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Stop()
	bp, err := cl.BulkProcessor().Workers(1).BulkActions(1000).Stats(true).Do(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.at(500 * time.Millisecond)
	for i := 0; i < 20; i++ {
		bp.Add(elastic7.NewBulkIndexRequest().Index("jaeger-span-2026-12-07").Doc(map[string]any{"i": i}))
	}
	if err := bp.Flush(); err != nil {
		t.Fatal(err)
	}
	done := time.Since(p.t0)
	st := bp.Stats()
	bp.Close()
	if st.Succeeded != 20 || done < 1300*time.Millisecond {
		t.Fatalf("stats %+v, flushed at %s (want after the hang ends at 1.3s)", st, done)
	}
	p.stop()
	sums, events := readTidy(t, logf)
	if sums["docs_accepted"] != 20 || sums["requests_hung"] < 1 || sums["conns_reset"] < 1 {
		t.Fatalf("counts %v events %v", sums, events)
	}
}
