import type { FramerLimits } from '../resp/framer.js';
import type { Endpoint } from './address.js';
import { Upstream } from './upstream.js';

/**
 * Connections to one node: idle connections in their default state, handed to client
 * sessions and taken back only when clean (no pending reply, no session state). Tracks a
 * simple "down until" mark after a failed connect so reads avoid the node for a while.
 */
export class NodePool {
  readonly endpoint: Endpoint;
  readonly role: 'master' | 'replica';
  private readonly idle: Upstream[] = [];
  private readonly all = new Set<Upstream>();
  private downUntil = 0;
  private readonly maxIdle: number;
  private readonly limits: FramerLimits;
  private readonly downFor: number;
  private readonly now: () => number;

  constructor(
    endpoint: Endpoint,
    role: 'master' | 'replica',
    options: {
      maxIdle?: number;
      limits?: FramerLimits;
      downForMs?: number;
      now?: () => number;
    } = {},
  ) {
    this.endpoint = endpoint;
    this.role = role;
    this.maxIdle = options.maxIdle ?? 64;
    this.limits = options.limits ?? {};
    this.downFor = options.downForMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Whether reads may be sent here (not marked down recently). */
  isUp(): boolean {
    return this.now() >= this.downUntil;
  }

  markDown(): void {
    this.downUntil = this.now() + this.downFor;
  }

  /** An idle connection, or a new one. */
  acquire(): Upstream {
    for (let up = this.idle.pop(); up; up = this.idle.pop()) {
      if (!up.closed) return up;
    }
    const up = new Upstream(this.endpoint, this.limits);
    this.all.add(up);
    up.socket.once('close', () => {
      this.all.delete(up);
      const i = this.idle.indexOf(up);
      if (i >= 0) this.idle.splice(i, 1);
    });
    return up;
  }

  /** Takes a connection back; the caller guarantees it is clean. */
  release(up: Upstream): void {
    up.onPush = undefined;
    up.onClose = undefined;
    up.afterData = undefined;
    up.beforeData = undefined;
    if (up.closed || up.pending > 0 || up.passthrough || this.idle.length >= this.maxIdle) {
      up.destroy();
      return;
    }
    this.idle.push(up);
  }

  /** Closes every connection (on shutdown, or when the node's role changes). */
  closeAll(): void {
    for (const up of this.all) up.destroy();
    this.all.clear();
    this.idle.length = 0;
  }
}
