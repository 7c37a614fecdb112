package locktest

func (s *suite) cases() []testCase {
	return []testCase{
		{"AcquireFreeResource", s.acquireFree},
		{"AcquireHeldWithWaitZeroFailsAtOnce", s.acquireHeldWaitZero},
		{"WaitBoundEndsWithAcquireTimeout", s.waitBound},
		{"WaiterIsWokenByRelease", s.waiterWokenByRelease},
		{"WaiterIsWokenByExpiry", s.waiterWokenByExpiry},
		{"WaitEndedByContextCancel", s.waitEndedByCancel},
		{"WaitEndedByContextDeadline", s.waitEndedByDeadline},
		{"CloseEndsWaitersAndLaterCalls", s.closeEndsWaiters},
		{"HolderExtendsAndReleases", s.extendAndRelease},
		{"ExpiredLeaseIsNotHeld", s.expiredLease},
		{"StolenLeaseIsNotHeld", s.stolenLease},
		{"ForgedTokenIsNotHeld", s.forgedToken},
		{"FencingIncreasesAcrossHolders", s.fencingAcrossHolders},
		{"FencingIncreasesAfterExpiry", s.fencingAfterExpiry},
		{"InfoAndReadDescribeHolder", s.infoAndRead},
		{"PayloadRoundTrips", s.payloadRoundTrips},
		{"FreeResourceIsNotHeld", s.freeResource},
		{"InvalidAcquireIsRejected", s.invalidAcquire},
		{"InvalidLeaseCallsAreRejected", s.invalidLeaseCalls},
		{"UnusualNamesDoNotCollide", s.unusualNames},
		{"ConcurrentContendersExcludeEachOther", s.contention},
	}
}
