/**
 * The per-client reply queue: one slot per forwarded request, filled by whichever backend
 * answers, written to the client strictly in request order. The head slot's bytes go straight
 * to the client (streamed pieces too); later slots hold their bytes until they reach the head.
 *
 * Invariant: bytes of slot n are written only after every byte of slots < n.
 */
export class ReplyQueue {
  private readonly slots: ReplySlot[] = [];
  private head = 0;
  /** Bytes held in slots that are not at the head (for backpressure on backends). */
  heldBytes = 0;
  private readonly write: (bytes: Buffer) => void;
  private readonly onIdle: () => void;

  /**
   * @param write writes bytes to the client
   * @param onIdle called when every slot has been written (e.g. to close after QUIT)
   */
  constructor(write: (bytes: Buffer) => void, onIdle: () => void) {
    this.write = write;
    this.onIdle = onIdle;
  }

  /** Opens the slot for the next request's reply. */
  open(options: { endless?: boolean } = {}): ReplySlot {
    return this.add(new ReplySlot(this, options.endless ?? false));
  }

  /**
   * Appends a slot made by the caller (a subclass that is also the request's reply sink, so a
   * forwarded request costs one object); it must have been constructed for this queue.
   */
  add<S extends ReplySlot>(slot: S): S {
    this.slots.push(slot);
    return slot;
  }

  /** Opens a slot that is already complete with `bytes` (a reply the ambassador makes itself). */
  local(bytes: Buffer): void {
    this.deliver(this.open(), bytes, true);
  }

  /** Number of slots not yet fully written. */
  get pending(): number {
    return this.slots.length - this.head;
  }

  /** @internal called by ReplySlot */
  deliver(slot: ReplySlot, bytes: Buffer, last: boolean): void {
    if (this.slots[this.head] === slot) {
      if (bytes.length > 0) this.write(bytes);
      if (last && !slot.endless) {
        slot.done = true;
        this.advance();
      }
      return;
    }
    (slot.parts ??= []).push(bytes);
    this.heldBytes += bytes.length;
    if (last && !slot.endless) slot.done = true;
  }

  private advance(): void {
    this.head++;
    for (;;) {
      const next = this.slots[this.head];
      if (next === undefined) break;
      if (next.parts !== undefined) {
        for (const part of next.parts) {
          this.heldBytes -= part.length;
          if (part.length > 0) this.write(part);
        }
        next.parts = undefined;
      }
      if (!next.done) return;
      this.head++;
    }
    // Everything written: drop the slots so the array does not grow with the connection's age.
    this.slots.length = 0;
    this.head = 0;
    this.onIdle();
  }
}

/** The place one request's reply goes. */
export class ReplySlot {
  /** Bytes held until the slot reaches the head (allocated only then: most never wait). */
  parts: Buffer[] | undefined = undefined;
  done = false;
  readonly endless: boolean;
  private readonly queue: ReplyQueue;

  constructor(queue: ReplyQueue, endless: boolean) {
    this.queue = queue;
    this.endless = endless;
  }

  /** Adds reply bytes; `last` ends the reply (ignored by an endless pass-through slot). */
  fill(bytes: Buffer, last: boolean): void {
    this.queue.deliver(this, bytes, last);
  }
}
