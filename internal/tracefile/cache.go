package tracefile

import (
	"context"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/crewai-go/crewai/internal/pricing"
)

// Cache is [List] with memory: it keeps each file's summary (or the reason
// it was skipped) and reads a file again only when its size or modification
// time changed. Entries of files that disappeared are dropped on each
// listing, so the memory held is bounded by the folder's contents. The zero
// value is ready to use; a Cache is safe for concurrent use. It must be used
// with one price table (the one of its first List call) for its lifetime.
type Cache struct {
	mu      sync.Mutex
	entries map[string]cacheEntry
}

type cacheEntry struct {
	size    int64
	modTime time.Time
	sum     Summary
	err     error
}

// List is [List] through the cache.
func (c *Cache) List(dir string, prices *pricing.Table) (sums []Summary, skipped []error, err error) {
	files, err := files(dir)
	if err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		seen[f.path] = true
		info, statErr := os.Stat(f.path)
		if statErr == nil {
			if e, ok := c.entries[f.path]; ok && e.size == info.Size() && e.modTime.Equal(info.ModTime()) {
				if e.err != nil {
					skipped = append(skipped, e.err)
				} else {
					sums = append(sums, e.sum)
				}
				continue
			}
		}
		s, skip := summarise(context.Background(), f, prices)
		if statErr == nil {
			c.entries[f.path] = cacheEntry{size: info.Size(), modTime: info.ModTime(), sum: s, err: skip}
		}
		if skip != nil {
			skipped = append(skipped, skip)
		} else {
			sums = append(sums, s)
		}
	}
	for p := range c.entries {
		if !seen[p] {
			delete(c.entries, p)
		}
	}
	sortSummaries(sums)
	return sums, skipped, nil
}

func sortSummaries(sums []Summary) {
	sort.SliceStable(sums, func(i, j int) bool {
		if !sums[i].Start.Equal(sums[j].Start) {
			return sums[i].Start.After(sums[j].Start)
		}
		return sums[i].ID < sums[j].ID
	})
}
