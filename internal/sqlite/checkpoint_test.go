package sqlite_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shiftwire/shiftwire/internal/storetest"
)

// TestCheckpointsInBackground writes more pages than SQLite's default checkpoint threshold
// and fewer than the writer's own: only the background checkpoints can copy the log into the
// database file, which grows once they do.
func TestCheckpointsInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shiftwire.db")
	db := openFile(t, path)
	s := storetest.NewBenchStore(t, db, 100)
	start := fileSize(t, path)
	s.Write(t, 600) // 60,000 deliveries in one transaction: about 2,000 pages of queue and change log
	if wal := fileSize(t, path+"-wal"); wal < 1_500*4096 {
		t.Fatalf("the write-ahead log holds %d bytes: too few pages written for the test", wal)
	}
	deadline := time.Now().Add(10 * time.Second)
	for fileSize(t, path) <= start {
		if time.Now().After(deadline) {
			t.Fatalf("the database file is still %d bytes: nothing checkpointed the log", start)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
