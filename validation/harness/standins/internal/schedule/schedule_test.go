package schedule

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	segs, err := Parse("up:30s,hang:1m,slow:500ms:10s,error:503:5s,refuse:2s,up")
	if err != nil {
		t.Fatal(err)
	}
	want := []Segment{
		{Mode{Kind: Up}, 30 * time.Second},
		{Mode{Kind: Hang}, time.Minute},
		{Mode{Kind: Slow, Delay: 500 * time.Millisecond}, 10 * time.Second},
		{Mode{Kind: Error, Code: "503"}, 5 * time.Second},
		{Mode{Kind: Refuse}, 2 * time.Second},
		{Mode{Kind: Up}, 0},
	}
	if len(segs) != len(want) {
		t.Fatalf("got %v", segs)
	}
	for i := range want {
		if segs[i] != want[i] {
			t.Errorf("segment %d: got %+v want %+v", i, segs[i], want[i])
		}
	}
	for _, bad := range []string{"up,hang", "slow", "reject:1s,up", "error", "nope:1s", "up:1s:2s", "up:-1s,up", "slow:x:1s,up"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
