package source

import "sync"

// coalescer runs fn at most once at a time, and remembers at most one more
// request that arrived while it ran. A burst of webhook deliveries (a push
// of ten commits, a retried delivery) becomes one or two polls, never ten,
// and the caller never blocks.
type coalescer struct {
	fn      func()
	mu      sync.Mutex
	running bool
	pending bool
}

func (c *coalescer) kick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		c.pending = true
		return
	}
	c.running = true
	go c.run()
}

func (c *coalescer) run() {
	for {
		c.fn()
		c.mu.Lock()
		if !c.pending {
			c.running = false
			c.mu.Unlock()
			return
		}
		c.pending = false
		c.mu.Unlock()
	}
}
