import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class AdapterRequest(_message.Message):
    __slots__ = ("id", "hello", "new_client", "acquire", "extend", "release", "info", "read", "set_renewal_paused", "reset", "hold", "watch", "session", "close_session")
    ID_FIELD_NUMBER: _ClassVar[int]
    HELLO_FIELD_NUMBER: _ClassVar[int]
    NEW_CLIENT_FIELD_NUMBER: _ClassVar[int]
    ACQUIRE_FIELD_NUMBER: _ClassVar[int]
    EXTEND_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    SET_RENEWAL_PAUSED_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    HOLD_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    CLOSE_SESSION_FIELD_NUMBER: _ClassVar[int]
    id: int
    hello: HelloRequest
    new_client: NewClientRequest
    acquire: AcquireRequest
    extend: ExtendRequest
    release: ReleaseRequest
    info: InfoRequest
    read: ReadRequest
    set_renewal_paused: SetRenewalPausedRequest
    reset: ResetRequest
    hold: HoldRequest
    watch: WatchRequest
    session: SessionRequest
    close_session: CloseSessionRequest
    def __init__(self, id: _Optional[int] = ..., hello: _Optional[_Union[HelloRequest, _Mapping]] = ..., new_client: _Optional[_Union[NewClientRequest, _Mapping]] = ..., acquire: _Optional[_Union[AcquireRequest, _Mapping]] = ..., extend: _Optional[_Union[ExtendRequest, _Mapping]] = ..., release: _Optional[_Union[ReleaseRequest, _Mapping]] = ..., info: _Optional[_Union[InfoRequest, _Mapping]] = ..., read: _Optional[_Union[ReadRequest, _Mapping]] = ..., set_renewal_paused: _Optional[_Union[SetRenewalPausedRequest, _Mapping]] = ..., reset: _Optional[_Union[ResetRequest, _Mapping]] = ..., hold: _Optional[_Union[HoldRequest, _Mapping]] = ..., watch: _Optional[_Union[WatchRequest, _Mapping]] = ..., session: _Optional[_Union[SessionRequest, _Mapping]] = ..., close_session: _Optional[_Union[CloseSessionRequest, _Mapping]] = ...) -> None: ...

class AdapterResponse(_message.Message):
    __slots__ = ("reply", "event")
    REPLY_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    reply: Reply
    event: Event
    def __init__(self, reply: _Optional[_Union[Reply, _Mapping]] = ..., event: _Optional[_Union[Event, _Mapping]] = ...) -> None: ...

class Reply(_message.Message):
    __slots__ = ("id", "error", "hello", "lock", "info", "read")
    ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    HELLO_FIELD_NUMBER: _ClassVar[int]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    INFO_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    id: int
    error: Error
    hello: HelloResult
    lock: LockResult
    info: InfoResult
    read: ReadResult
    def __init__(self, id: _Optional[int] = ..., error: _Optional[_Union[Error, _Mapping]] = ..., hello: _Optional[_Union[HelloResult, _Mapping]] = ..., lock: _Optional[_Union[LockResult, _Mapping]] = ..., info: _Optional[_Union[InfoResult, _Mapping]] = ..., read: _Optional[_Union[ReadResult, _Mapping]] = ...) -> None: ...

class Error(_message.Message):
    __slots__ = ("code", "message")
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    code: str
    message: str
    def __init__(self, code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Event(_message.Message):
    __slots__ = ("lock", "lost", "renewed", "watch", "waiting")
    LOCK_FIELD_NUMBER: _ClassVar[int]
    LOST_FIELD_NUMBER: _ClassVar[int]
    RENEWED_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    WAITING_FIELD_NUMBER: _ClassVar[int]
    lock: str
    lost: LostEvent
    renewed: RenewedEvent
    watch: WatchEvent
    waiting: WaitingEvent
    def __init__(self, lock: _Optional[str] = ..., lost: _Optional[_Union[LostEvent, _Mapping]] = ..., renewed: _Optional[_Union[RenewedEvent, _Mapping]] = ..., watch: _Optional[_Union[WatchEvent, _Mapping]] = ..., waiting: _Optional[_Union[WaitingEvent, _Mapping]] = ...) -> None: ...

class WaitingEvent(_message.Message):
    __slots__ = ("owner", "fencing_token")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner: str
    fencing_token: int
    def __init__(self, owner: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class WatchEvent(_message.Message):
    __slots__ = ("kind", "resource", "holder", "previous", "error")
    KIND_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    HOLDER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    kind: str
    resource: str
    holder: WatchHolder
    previous: WatchHolder
    error: Error
    def __init__(self, kind: _Optional[str] = ..., resource: _Optional[str] = ..., holder: _Optional[_Union[WatchHolder, _Mapping]] = ..., previous: _Optional[_Union[WatchHolder, _Mapping]] = ..., error: _Optional[_Union[Error, _Mapping]] = ...) -> None: ...

class WatchHolder(_message.Message):
    __slots__ = ("owner", "fencing_token")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    owner: str
    fencing_token: int
    def __init__(self, owner: _Optional[str] = ..., fencing_token: _Optional[int] = ...) -> None: ...

class LostEvent(_message.Message):
    __slots__ = ("reason",)
    REASON_FIELD_NUMBER: _ClassVar[int]
    reason: Error
    def __init__(self, reason: _Optional[_Union[Error, _Mapping]] = ...) -> None: ...

class RenewedEvent(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HelloRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HelloResult(_message.Message):
    __slots__ = ("target", "capabilities")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CAPABILITIES_FIELD_NUMBER: _ClassVar[int]
    target: str
    capabilities: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, target: _Optional[str] = ..., capabilities: _Optional[_Iterable[str]] = ...) -> None: ...

class NewClientRequest(_message.Message):
    __slots__ = ("client", "url", "call_timeout", "token")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    CALL_TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    call_timeout: _duration_pb2.Duration
    token: str
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., call_timeout: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., token: _Optional[str] = ...) -> None: ...

class AcquireRequest(_message.Message):
    __slots__ = ("client", "url", "lock", "resource", "resource_raw", "ttl", "wait", "owner", "data", "scoped", "session")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_RAW_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    SCOPED_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    lock: str
    resource: str
    resource_raw: bytes
    ttl: _duration_pb2.Duration
    wait: _duration_pb2.Duration
    owner: str
    data: bytes
    scoped: bool
    session: str
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., lock: _Optional[str] = ..., resource: _Optional[str] = ..., resource_raw: _Optional[bytes] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., owner: _Optional[str] = ..., data: _Optional[bytes] = ..., scoped: _Optional[bool] = ..., session: _Optional[str] = ...) -> None: ...

class ExtendRequest(_message.Message):
    __slots__ = ("lock", "ttl", "lease_token")
    LOCK_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    LEASE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    lock: str
    ttl: _duration_pb2.Duration
    lease_token: str
    def __init__(self, lock: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., lease_token: _Optional[str] = ...) -> None: ...

class ReleaseRequest(_message.Message):
    __slots__ = ("lock", "lease_token", "raise_in_block")
    LOCK_FIELD_NUMBER: _ClassVar[int]
    LEASE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    RAISE_IN_BLOCK_FIELD_NUMBER: _ClassVar[int]
    lock: str
    lease_token: str
    raise_in_block: bool
    def __init__(self, lock: _Optional[str] = ..., lease_token: _Optional[str] = ..., raise_in_block: _Optional[bool] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ("client", "url", "resource", "resource_raw")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_RAW_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    resource: str
    resource_raw: bytes
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., resource: _Optional[str] = ..., resource_raw: _Optional[bytes] = ...) -> None: ...

class ReadRequest(_message.Message):
    __slots__ = ("client", "url", "resource", "resource_raw")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_RAW_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    resource: str
    resource_raw: bytes
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., resource: _Optional[str] = ..., resource_raw: _Optional[bytes] = ...) -> None: ...

class HoldRequest(_message.Message):
    __slots__ = ("client", "url", "lock", "resource", "ttl", "wait", "owner", "data")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    LOCK_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    lock: str
    resource: str
    ttl: _duration_pb2.Duration
    wait: _duration_pb2.Duration
    owner: str
    data: bytes
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., lock: _Optional[str] = ..., resource: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., wait: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., owner: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...

class WatchRequest(_message.Message):
    __slots__ = ("client", "url", "watch", "resource", "prefix")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    WATCH_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    PREFIX_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    watch: str
    resource: str
    prefix: bool
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., watch: _Optional[str] = ..., resource: _Optional[str] = ..., prefix: _Optional[bool] = ...) -> None: ...

class SessionRequest(_message.Message):
    __slots__ = ("client", "url", "session", "ttl")
    CLIENT_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    TTL_FIELD_NUMBER: _ClassVar[int]
    client: str
    url: str
    session: str
    ttl: _duration_pb2.Duration
    def __init__(self, client: _Optional[str] = ..., url: _Optional[str] = ..., session: _Optional[str] = ..., ttl: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class CloseSessionRequest(_message.Message):
    __slots__ = ("session",)
    SESSION_FIELD_NUMBER: _ClassVar[int]
    session: str
    def __init__(self, session: _Optional[str] = ...) -> None: ...

class SetRenewalPausedRequest(_message.Message):
    __slots__ = ("lock", "paused")
    LOCK_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    lock: str
    paused: bool
    def __init__(self, lock: _Optional[str] = ..., paused: _Optional[bool] = ...) -> None: ...

class ResetRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LockResult(_message.Message):
    __slots__ = ("fencing_token",)
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    fencing_token: int
    def __init__(self, fencing_token: _Optional[int] = ...) -> None: ...

class InfoResult(_message.Message):
    __slots__ = ("owner", "fencing_token", "lock_time", "expire_time")
    OWNER_FIELD_NUMBER: _ClassVar[int]
    FENCING_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LOCK_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    owner: str
    fencing_token: int
    lock_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, owner: _Optional[str] = ..., fencing_token: _Optional[int] = ..., lock_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReadResult(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: bytes
    def __init__(self, data: _Optional[bytes] = ...) -> None: ...
