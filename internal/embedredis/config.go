package embedredis

import (
	"path"
	"strings"

	"github.com/alicebob/miniredis/v2/server"
)

// notifyParam is the one config parameter a Server serves.
const notifyParam = "notify-keyspace-events"

// notifyFlags are the characters Redis accepts in notify-keyspace-events.
const notifyFlags = "KEg$lshzxetmdnA"

// config serves CONFIG GET and CONFIG SET of notify-keyspace-events, which miniredis
// lacks, so that a watcher turns notifications on as it does on redis-server.
func (s *Server) config(c *server.Peer, cmd string, args []string) {
	if len(args) == 0 {
		c.WriteError("ERR wrong number of arguments for 'config' command")
		return
	}
	switch sub := strings.ToUpper(args[0]); {
	case sub == "GET" && len(args) == 2:
		if ok, _ := path.Match(strings.ToLower(args[1]), notifyParam); !ok {
			c.WriteMapLen(0)
			return
		}
		s.mu.Lock()
		flags := s.flags
		s.mu.Unlock()
		c.WriteMapLen(1)
		c.WriteBulk(notifyParam)
		c.WriteBulk(flags)
	case sub == "SET" && len(args) == 3 && strings.EqualFold(args[1], notifyParam):
		if strings.Trim(args[2], notifyFlags) != "" {
			c.WriteError("ERR CONFIG SET failed (possibly related to argument '" + notifyParam + "') - Invalid argument")
			return
		}
		s.mu.Lock()
		s.flags = args[2]
		s.mu.Unlock()
		c.WriteOK()
	case sub == "SET" && len(args) == 3:
		c.WriteError("ERR Unknown option or number of arguments for CONFIG SET - '" + args[1] + "'")
	default:
		c.WriteError("ERR unknown subcommand or wrong number of arguments for '" + args[0] + "'")
	}
}

// announces reports whether the flags make Redis announce events of class on keyspace
// channels: K, and the class itself or A (all classes but key-miss and new-key).
func announces(flags string, class byte) bool {
	return strings.IndexByte(flags, 'K') >= 0 &&
		(strings.IndexByte(flags, class) >= 0 || strings.IndexByte(flags, 'A') >= 0)
}
