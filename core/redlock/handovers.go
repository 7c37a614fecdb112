package redlock

// HandOvers returns how many times a Release handed its lock straight to a contender
// waiting in this Client (a transfer, see queue_handoff.go), since the Client was made.
// Servers export it as a counter.
func (c *Client) HandOvers() uint64 { return c.queues.handOvers.Load() }
