/** The part of the topology read-your-writes needs. */
export interface OffsetSource {
  /** The master's offset from a query sent after this call; undefined when unknown. */
  masterOffsetNow(): Promise<number | undefined>;
  /** Asks for quick replica offset polling until they reach `offset`. */
  want(offset: number): void;
}

/** An offset no replica reaches: reads stay on the master until a lookup succeeds. */
const UNKNOWN_OFFSET = Number.MAX_SAFE_INTEGER;

/** {@link ReadYourWrites.readOffset}'s answer when the read must go to the master. */
export const MASTER_ONLY = -2;

/**
 * One client connection's read-your-writes bookkeeping (docs/redis-ambassador.md): while one
 * of its writes is unanswered, or the master offset covering its answered writes is being
 * looked up, its reads go to the master; afterwards only to replicas that reached that offset.
 */
export class ReadYourWrites {
  private readonly nodes: OffsetSource;
  /** Writes sent whose reply has not come yet. */
  private writes = 0;
  /** A write was answered since the last offset lookup started. */
  private dirty = false;
  /** An offset lookup is in flight. */
  private lookup = false;
  /** The master offset covering every answered write: replicas below it are not read from. */
  private offset = -1;

  constructor(nodes: OffsetSource) {
    this.nodes = nodes;
  }

  writeSent(): void {
    this.writes++;
  }

  writeDone(): void {
    this.writes--;
    this.dirty = true;
  }

  /**
   * The offset a replica must have reached to serve the client's next read, or
   * {@link MASTER_ONLY}. Starts an offset lookup when a write was answered since the last one.
   */
  readOffset(): number {
    if (this.writes > 0 || this.lookup) return MASTER_ONLY;
    if (this.dirty) {
      this.startLookup();
      return MASTER_ONLY;
    }
    return this.offset;
  }

  /** The offset a read retried elsewhere needs (no lookup started). */
  get retryOffset(): number {
    return this.offset;
  }

  /** Finds the master offset that covers every write answered so far (one lookup at a time). */
  private startLookup(): void {
    this.dirty = false;
    this.lookup = true;
    const nodes = this.nodes;
    void nodes.masterOffsetNow().then((off) => {
      this.lookup = false;
      if (off === undefined) {
        this.offset = UNKNOWN_OFFSET;
        this.dirty = true; // try again on the next read
        return;
      }
      this.offset = this.offset === UNKNOWN_OFFSET ? off : Math.max(this.offset, off);
      nodes.want(off);
    });
  }
}
