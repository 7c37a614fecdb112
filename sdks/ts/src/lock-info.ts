import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";

/** A resource's current holder, as {@link LockClient.info} and watch events describe it. */
export interface LockInfo {
  /** The holder's owner label. */
  readonly owner: string;
  /** When the holder was granted the lock, by the server's clock. */
  readonly lockTime: Date;
  /** When the lock expires unless it is renewed, by the server's clock. */
  readonly expireTime: Date;
  /** The holder's fencing token. */
  readonly fencingToken: bigint;
}

/** The LockInfo of a wire holder (InfoResponse, Holder). */
export function toLockInfo(h: { owner: string; lockTime?: Timestamp | undefined; expireTime?: Timestamp | undefined; fencingToken: bigint }): LockInfo {
  return {
    owner: h.owner,
    lockTime: h.lockTime ? timestampDate(h.lockTime) : new Date(0),
    expireTime: h.expireTime ? timestampDate(h.expireTime) : new Date(0),
    fencingToken: h.fencingToken,
  };
}
