package connectsvc

import "context"

// WithBeforeGrantReply runs hook between a grant and the first byte of its reply.
func WithBeforeGrantReply(hook func(ctx context.Context)) Option {
	return optionFunc(func(c *config) { c.beforeGrantReply = hook })
}
