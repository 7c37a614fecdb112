from google.protobuf import descriptor_pb2 as _descriptor_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor
CLIENT_POLICY_FIELD_NUMBER: _ClassVar[int]
client_policy: _descriptor.FieldDescriptor

class ClientPolicy(_message.Message):
    __slots__ = ("min_ttl_ms", "max_ttl_ms", "default_ttl_ms", "max_resource_bytes", "max_owner_bytes", "max_data_bytes", "drift_divisor", "drift_fixed_ms", "renew_divisor", "late_grant_divisor", "call_backoff_min_ms", "call_backoff_max_ms", "renew_backoff_min_ms", "renew_backoff_max_ms", "max_wait_per_call_ms", "call_timeout_ms", "early_answer_divisor", "unreachable_give_up_ms", "transient_codes", "renewal_terminal_codes", "max_batch_calls", "max_batch_bytes", "batch_call_overhead_bytes")
    MIN_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_TTL_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_RESOURCE_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_OWNER_BYTES_FIELD_NUMBER: _ClassVar[int]
    MAX_DATA_BYTES_FIELD_NUMBER: _ClassVar[int]
    DRIFT_DIVISOR_FIELD_NUMBER: _ClassVar[int]
    DRIFT_FIXED_MS_FIELD_NUMBER: _ClassVar[int]
    RENEW_DIVISOR_FIELD_NUMBER: _ClassVar[int]
    LATE_GRANT_DIVISOR_FIELD_NUMBER: _ClassVar[int]
    CALL_BACKOFF_MIN_MS_FIELD_NUMBER: _ClassVar[int]
    CALL_BACKOFF_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    RENEW_BACKOFF_MIN_MS_FIELD_NUMBER: _ClassVar[int]
    RENEW_BACKOFF_MAX_MS_FIELD_NUMBER: _ClassVar[int]
    MAX_WAIT_PER_CALL_MS_FIELD_NUMBER: _ClassVar[int]
    CALL_TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    EARLY_ANSWER_DIVISOR_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_GIVE_UP_MS_FIELD_NUMBER: _ClassVar[int]
    TRANSIENT_CODES_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_TERMINAL_CODES_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_CALLS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_BYTES_FIELD_NUMBER: _ClassVar[int]
    BATCH_CALL_OVERHEAD_BYTES_FIELD_NUMBER: _ClassVar[int]
    min_ttl_ms: int
    max_ttl_ms: int
    default_ttl_ms: int
    max_resource_bytes: int
    max_owner_bytes: int
    max_data_bytes: int
    drift_divisor: int
    drift_fixed_ms: int
    renew_divisor: int
    late_grant_divisor: int
    call_backoff_min_ms: int
    call_backoff_max_ms: int
    renew_backoff_min_ms: int
    renew_backoff_max_ms: int
    max_wait_per_call_ms: int
    call_timeout_ms: int
    early_answer_divisor: int
    unreachable_give_up_ms: int
    transient_codes: _containers.RepeatedScalarFieldContainer[str]
    renewal_terminal_codes: _containers.RepeatedScalarFieldContainer[str]
    max_batch_calls: int
    max_batch_bytes: int
    batch_call_overhead_bytes: int
    def __init__(self, min_ttl_ms: _Optional[int] = ..., max_ttl_ms: _Optional[int] = ..., default_ttl_ms: _Optional[int] = ..., max_resource_bytes: _Optional[int] = ..., max_owner_bytes: _Optional[int] = ..., max_data_bytes: _Optional[int] = ..., drift_divisor: _Optional[int] = ..., drift_fixed_ms: _Optional[int] = ..., renew_divisor: _Optional[int] = ..., late_grant_divisor: _Optional[int] = ..., call_backoff_min_ms: _Optional[int] = ..., call_backoff_max_ms: _Optional[int] = ..., renew_backoff_min_ms: _Optional[int] = ..., renew_backoff_max_ms: _Optional[int] = ..., max_wait_per_call_ms: _Optional[int] = ..., call_timeout_ms: _Optional[int] = ..., early_answer_divisor: _Optional[int] = ..., unreachable_give_up_ms: _Optional[int] = ..., transient_codes: _Optional[_Iterable[str]] = ..., renewal_terminal_codes: _Optional[_Iterable[str]] = ..., max_batch_calls: _Optional[int] = ..., max_batch_bytes: _Optional[int] = ..., batch_call_overhead_bytes: _Optional[int] = ...) -> None: ...
