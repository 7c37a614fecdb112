package redlock

// Fencing over a quorum.
//
// Each node keeps a fence counter per resource (a field of a shared hash, see keys.go;
// the hash is kept for fenceKeyTTL after its expiry was last refreshed, so it outlives
// the lock). On a successful SET NX, acquire.lua sets the counter to counter+1, or, when
// the counter is missing, to its seed: max(node time in µs, node epoch creation in µs +
// quarantine in µs), rounded up to a multiple of the grain g = min(quarantine/64, 1 s)
// (g = 0, no rounding, without a quarantine), and returns it. The client takes T = the
// maximum over the granting
// nodes. If every trusted granting node returned T, T is already stored on a quorum of
// trusted nodes; otherwise confirm.lua raises the counter to T on every node where we
// hold the lock, and the lock is granted only if a quorum of trusted nodes confirms.
//
// Claim: tokens of successive holders of a resource strictly increase.
//
//  1. Before holder H1 was granted with token T1, T1 was stored on a quorum Q1 of trusted
//     nodes (above). Counters only grow while a node keeps its data.
//  2. A later holder H2 is granted by a quorum Q2 of trusted nodes, and Q1 and Q2
//     intersect (two sets of more than N/2 nodes out of N). Let X be a node in both.
//  3. If X kept its data since storing T1, its counter is ≥ T1, and H2's SET NX there made
//     it at least T1+1; so T2 = max over Q2 ≥ T1+1.
//  4. If X lost its data after storing T1, it restarted with a new epoch created at its
//     time e ≥ the loss, and, being in Q2, it was trusted: the epoch was at least the
//     quarantine old. Its counter for the resource was created after the restart, from
//     max(now, e + quarantine) rounded up, ≥ e + quarantine. Every token stored anywhere
//     before the loss (T1 included) came from a counter seeded before the loss, either
//     from a node's clock (≤ e + clock skew + g, the rounding) or from an epoch older
//     than e plus the quarantine (≤ e + quarantine + skew + g only if that node restarted
//     within one clock skew of X), then incremented once per acquisition. With skew + g
//     smaller than the quarantine (g is at most 1/64 of it), no two nodes losing their
//     data within one skew of each other, and fewer than a million acquisitions per
//     second per resource, T2 > T1. (Without a quarantine, the bound asks that a node
//     take longer than the clock skew to restart, and there is no rounding.) A counter
//     hash that expired
//     restarts from the node's clock, so the same bound holds: acquire.lua and
//     transfer.lua refresh the hash's expiry when they seed a counter and whenever a
//     counter reaches a multiple of 64 (confirm.lua on every write), so from the last
//     refresh to the expiry, fenceKeyTTL later, each counter of the hash grew by fewer
//     than 64, and the new seed is about a day above every token issued from it.
//     (Refreshing on every acquire cost a command each.)
//
// First use of a name: the nodes seed their counters in the acquire itself, each from
// its own clock. Unrounded, the seeds differed in almost every acquire (clocks in µs),
// and each first use paid the confirm round trip. Rounded to the grain, nodes whose
// clocks read within one grain (local nodes: a few hundred µs apart, against a grain of
// up to 1 s) seed alike and return the same T, so T is stored on the quorum by the
// acquire itself, which is the rule above: rounding changes no step of the claim but
// the bound of step 4, which it keeps. A pair of seeds that straddles a grain boundary
// (or a node whose epoch is younger than the quarantine) still takes the confirm round.
//
// Hand-over: transfer.lua (attempt_transfer.go) grants exactly where acquire.lua would
// if the releasing holder's key were absent, and then seeds or increments the counter
// and refreshes the hash's expiry with the same code (scripts/take.lua); the client
// takes the maximum over a quorum and confirms it as above. The releasing holder's
// token T1 was stored on a quorum, so steps 1 to 4 apply unchanged to the new holder:
// its token is above T1.
//
// Assumptions, stated in the package doc: node clocks do not jump backwards and differ by
// much less than the quarantine (or, with quarantine 0, by much less than the time a
// node takes to restart), and no resource sees a million acquisitions per second.

// confirm makes sure fence is stored on a quorum of trusted nodes (a second round
// trip only when the granting nodes disagreed). It reports success.
func (a *attempt) confirm(fence uint64, replies []acquireReply, trusted []bool) bool {
	same := 0
	for i, r := range replies {
		if r.granted && trusted[i] && uint64(r.n) == fence {
			same++
		}
	}
	if same >= a.net.quorum {
		return true
	}
	var granted []int
	for i, r := range replies {
		if r.granted {
			granted = append(granted, i)
		}
	}
	q := newQuery(confirmScript, a.timeout, []string{a.k.lock, a.k.fence},
		a.key, fence, fenceKeyTTL.Milliseconds(), a.k.fenceField)
	q.on = granted
	oks, errs := fanout(a.ctx, a.net, q, decodeInt)
	confirmed := 0
	for _, i := range granted {
		if errs[i] == nil && oks[i] == 1 && trusted[i] {
			confirmed++
		}
	}
	return confirmed >= a.net.quorum
}
