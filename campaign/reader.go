package campaign

import (
	"fmt"
	"io"
	"sync/atomic"
)

// countingReader counts the bytes read, for progress, and refuses to read
// past max (0: no limit).
type countingReader struct {
	r   io.Reader
	n   atomic.Int64
	max int64
}

// fileTooLarge: the file is larger than the import allows.
type fileTooLarge struct{ max int64 }

func (e *fileTooLarge) Error() string { return fmt.Sprintf("file larger than %d bytes", e.max) }

func (c *countingReader) Read(p []byte) (int, error) {
	if c.max > 0 {
		left := c.max + 1 - c.n.Load() // one byte past max tells a file of exactly max apart
		if left <= 0 {
			return 0, &fileTooLarge{c.max}
		}
		if int64(len(p)) > left {
			p = p[:left]
		}
	}
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	if c.max > 0 && c.n.Load() > c.max {
		return n, &fileTooLarge{c.max}
	}
	return n, err
}
