import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AcquireRequest(_message.Message):
    __slots__ = ("resource", "ttl", "wait", "owner", "data")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    resource: str
    ttl: _duration_pb2.Duration
    wait: _duration_pb2.Duration
    owner: str
    data: bytes
    def __init__(self, resource: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., owner: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class AcquireResponse(_message.Message):
    __slots__ = ("resource", "lease_token", "fencing_token", "ttl", "lock_time", "expire_time")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    LEASE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    resource: str
    lease_token: str
    fencing_token: int
    ttl: _duration_pb2.Duration
    lock_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, resource: _Optional[str] = ..., lease_token: _Optional[str] = ..., fencing_token: _Optional[int] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ExtendRequest(_message.Message):
    __slots__ = ("resource", "lease_token", "ttl")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    LEASE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    resource: str
    lease_token: str
    ttl: _duration_pb2.Duration
    def __init__(self, resource: _Optional[str] = ..., lease_token: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class ExtendResponse(_message.Message):
    __slots__ = ("ttl", "expire_time", "fencing_token")
    TTL_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ttl: _duration_pb2.Duration
    expire_time: _timestamp_pb2.Timestamp
    fencing_token: int
    def __init__(self, ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("resource", "lease_token")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    LEASE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    resource: str
    lease_token: str
    def __init__(self, resource: _Optional[str] = ..., lease_token: _Optional[str] = ...) -> None: ...

class ReleaseResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: str
    def __init__(self, resource: _Optional[str] = ...) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ("owner", "lock_time", "expire_time", "fencing_token")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner: str
    lock_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    fencing_token: int
    def __init__(self, owner: _Optional[str] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class ReadRequest(_message.Message):
    __slots__ = ("resource",)
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    resource: str
    def __init__(self, resource: _Optional[str] = ...) -> None: ...

class ReadResponse(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...

class HoldRequest(_message.Message):
    __slots__ = ("resource", "ttl", "wait", "owner", "data")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    resource: str
    ttl: _duration_pb2.Duration
    wait: _duration_pb2.Duration
    owner: str
    data: bytes
    def __init__(self, resource: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., owner: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class HoldResponse(_message.Message):
    __slots__ = ("waiting", "granted", "renewed", "lost")
    WAITING_FIELD_NUMBER: _ClassVar[int]
    GRANTED_FIELD_NUMBER: _ClassVar[int]
    RENEWED_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    waiting: HoldWaiting
    granted: AcquireResponse
    renewed: HoldRenewed
    lost: HoldLost
    def __init__(self, waiting: _Optional[_Union[HoldWaiting, _Mapping]] = ..., granted: _Optional[_Union[AcquireResponse, _Mapping]] = ..., renewed: _Optional[_Union[HoldRenewed, _Mapping]] = ..., lost: _Optional[_Union[HoldLost, _Mapping]] = ...) -> None: ...

class HoldWaiting(_message.Message):
    __slots__ = ("owner", "fencing_token", "expire_time")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    owner: str
    fencing_token: int
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, owner: _Optional[str] = ..., fencing_token: _Optional[int] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HoldRenewed(_message.Message):
    __slots__ = ("expire_time",)
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class HoldLost(_message.Message):
    __slots__ = ("reason", "message")
    class Reason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        REASON_UNSPECIFIED: _ClassVar[HoldLost.Reason]
        REASON_NOT_HELD: _ClassVar[HoldLost.Reason]
        REASON_UNAVAILABLE: _ClassVar[HoldLost.Reason]
        REASON_SERVER_SHUTDOWN: _ClassVar[HoldLost.Reason]
    REASON_UNSPECIFIED: HoldLost.Reason
    REASON_NOT_HELD: HoldLost.Reason
    REASON_UNAVAILABLE: HoldLost.Reason
    REASON_SERVER_SHUTDOWN: HoldLost.Reason
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    reason: HoldLost.Reason
    message: str
    def __init__(self, reason: _Optional[_Union[HoldLost.Reason, str]] = ..., message: _Optional[str] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("resource", "prefix")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    resource: str
    prefix: bool
    def __init__(self, resource: _Optional[str] = ..., prefix: _Optional[bool] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("kind", "resource", "holder", "previous")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[WatchResponse.Kind]
        KIND_CURRENT: _ClassVar[WatchResponse.Kind]
        KIND_SYNCED: _ClassVar[WatchResponse.Kind]
        KIND_GRANTED: _ClassVar[WatchResponse.Kind]
        KIND_EXTENDED: _ClassVar[WatchResponse.Kind]
        KIND_RELEASED: _ClassVar[WatchResponse.Kind]
        KIND_EXPIRED: _ClassVar[WatchResponse.Kind]
        KIND_HANDED_OVER: _ClassVar[WatchResponse.Kind]
        KIND_RESYNC: _ClassVar[WatchResponse.Kind]
    KIND_UNSPECIFIED: WatchResponse.Kind
    KIND_CURRENT: WatchResponse.Kind
    KIND_SYNCED: WatchResponse.Kind
    KIND_GRANTED: WatchResponse.Kind
    KIND_EXTENDED: WatchResponse.Kind
    KIND_RELEASED: WatchResponse.Kind
    KIND_EXPIRED: WatchResponse.Kind
    KIND_HANDED_OVER: WatchResponse.Kind
    KIND_RESYNC: WatchResponse.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    kind: WatchResponse.Kind
    resource: str
    holder: Holder
    previous: Holder
    def __init__(self, kind: _Optional[_Union[WatchResponse.Kind, str]] = ..., resource: _Optional[str] = ..., holder: _Optional[_Union[Holder, _Mapping]] = ..., previous: _Optional[_Union[Holder, _Mapping]] = ...) -> None: ...

class Holder(_message.Message):
    __slots__ = ("owner", "lock_time", "expire_time", "fencing_token")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner: str
    lock_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    fencing_token: int
    def __init__(self, owner: _Optional[str] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class ListRequest(_message.Message):
    __slots__ = ("prefix", "page_size", "page_token")
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    prefix: str
    page_size: int
    page_token: str
    def __init__(self, prefix: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListResponse(_message.Message):
    __slots__ = ("locks", "next_page_token")
    LOCKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    locks: _containers.RepeatedCompositeFieldContainer[ListedLock]
    next_page_token: str
    def __init__(self, locks: _Optional[_Iterable[_Union[ListedLock, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListedLock(_message.Message):
    __slots__ = ("resource", "owner", "lock_time", "expire_time", "fencing_token", "waiters")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    WAITERS_FIELD_NUMBER: _ClassVar[int]
    resource: str
    owner: str
    lock_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    fencing_token: int
    waiters: int
    def __init__(self, resource: _Optional[str] = ..., owner: _Optional[str] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., fencing_token: _Optional[int] = ..., waiters: _Optional[int] = ...) -> None: ...

class ForceReleaseRequest(_message.Message):
    __slots__ = ("resource", "reason")
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    resource: str
    reason: str
    def __init__(self, resource: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class ForceReleaseResponse(_message.Message):
    __slots__ = ("owner", "fencing_token", "advanced_fencing_token")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ADVANCED_FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner: str
    fencing_token: int
    advanced_fencing_token: int
    def __init__(self, owner: _Optional[str] = ..., fencing_token: _Optional[int] = ..., advanced_fencing_token: _Optional[int] = ...) -> None: ...

class BatchRequest(_message.Message):
    __slots__ = ("calls",)
    CALLS_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[BatchCall]
    def __init__(self, calls: _Optional[_Iterable[_Union[BatchCall, _Mapping]]] = ...) -> None: ...

class BatchCall(_message.Message):
    __slots__ = ("acquire", "extend", "release")
    ACQUIRE_FIELD_NUMBER: _ClassVar[int]
    EXTEND_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    acquire: AcquireRequest
    extend: ExtendRequest
    release: ReleaseRequest
    def __init__(self, acquire: _Optional[_Union[AcquireRequest, _Mapping]] = ..., extend: _Optional[_Union[ExtendRequest, _Mapping]] = ..., release: _Optional[_Union[ReleaseRequest, _Mapping]] = ...) -> None: ...

class BatchResponse(_message.Message):
    __slots__ = ("results",)
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    results: _containers.RepeatedCompositeFieldContainer[BatchResult]
    def __init__(self, results: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("index", "acquire", "extend", "release", "error")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    ACQUIRE_FIELD_NUMBER: _ClassVar[int]
    EXTEND_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    index: int
    acquire: AcquireResponse
    extend: ExtendResponse
    release: ReleaseResponse
    error: BatchError
    def __init__(self, index: _Optional[int] = ..., acquire: _Optional[_Union[AcquireResponse, _Mapping]] = ..., extend: _Optional[_Union[ExtendResponse, _Mapping]] = ..., release: _Optional[_Union[ReleaseResponse, _Mapping]] = ..., error: _Optional[_Union[BatchError, _Mapping]] = ...) -> None: ...

class BatchError(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...
