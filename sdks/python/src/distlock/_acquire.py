"""One acquire, checked and planned before any call: shared by both clients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectrpc.code import Code

from ._lease import CALL_SLACK, Lease, WaitBudget, millis
from ._limits import Seconds, check_data, check_owner, check_resource, check_ttl, check_wait
from ._wire import acquire_request, lease_from

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

    from ._gen.v1 import lock_pb2 as pb

__all__ = ["AcquirePlan"]


@dataclass(frozen=True, slots=True)
class AcquirePlan:
    """The checked arguments of one acquire and the wait it may still spend."""

    resource: str
    ttl: float
    owner: str
    data: bytes
    budget: WaitBudget

    @classmethod
    def check(
        cls, resource: str, *, ttl: Seconds, wait: Seconds | None, data: bytes, owner: str
    ) -> AcquirePlan:
        """Returns the plan for valid arguments.

        Raises:
            InvalidArgumentError: An argument is out of bounds.
        """
        return cls(
            resource=check_resource(resource),
            ttl=check_ttl(ttl),
            owner=check_owner(owner),
            data=check_data(data),
            budget=WaitBudget(check_wait(wait)),
        )

    def next_call(self) -> tuple[pb.AcquireRequest, int]:
        """Returns the next Acquire request and its call timeout in milliseconds."""
        wait = self.budget.next_call_wait()
        request = acquire_request(
            self.resource, ttl=self.ttl, wait=wait, owner=self.owner, data=self.data
        )
        return request, millis(wait + CALL_SLACK)

    def retry(self, err: ConnectError) -> bool:
        """Reports whether a failed call should be followed by another.

        It should when the lock was busy (``aborted``) and the wait has not run out.
        """
        return err.code is Code.ABORTED and not self.budget.spent()

    def lease(self, resp: pb.AcquireResponse, sent: float) -> Lease:
        """Returns the lease granted by a call sent at ``sent`` (monotonic clock)."""
        return lease_from(resp, sent=sent, ttl=self.ttl, owner=self.owner)
