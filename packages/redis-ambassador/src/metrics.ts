import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Where a request went, as counted in metrics. */
export type RouteLabel = 'master' | 'replica' | 'pinned' | 'session' | 'local';

const ROUTES: readonly RouteLabel[] = ['master', 'replica', 'pinned', 'session', 'local'];

/** What the router reports; the no-op default keeps library users free of prom-client. */
export interface RouterMetrics {
  /** One request answered (or failed) after `seconds`. */
  command(route: RouteLabel, seconds: number): void;
  /** A read interrupted by a node failure was sent again elsewhere. */
  readRetried(): void;
  clients(delta: number): void;
}

/** What the topology reports. */
export interface TopologyMetrics {
  nodeHealth(node: string, role: 'master' | 'replica', up: boolean): void;
  /** The master changed (Sentinel switch or discovered promotion). */
  failover(): void;
}

/**
 * The ambassador's Prometheus metrics in a caller's (private) registry:
 * `redis_ambassador_commands_total{route}`, `redis_ambassador_command_duration_seconds{route}`,
 * `redis_ambassador_node_up{node,role}`, `redis_ambassador_failovers_total`,
 * `redis_ambassador_read_retries_total`, `redis_ambassador_clients`.
 *
 * Counters are kept as plain numbers on the hot path and handed to prom-client at scrape time
 * (prom-client hashes label sets on every `inc`).
 */
export class AmbassadorMetrics implements RouterMetrics, TopologyMetrics {
  private readonly counts = new Map<RouteLabel, number>(ROUTES.map((r) => [r, 0]));
  private readonly reported = new Map<RouteLabel, number>(ROUTES.map((r) => [r, 0]));
  private readonly latency: Map<RouteLabel, { observe(v: number): void }>;
  private readonly nodeUp: Gauge;
  private readonly failovers: Counter;
  private readonly retries: Counter;
  private readonly clientGauge: Gauge;

  constructor(registry: Registry) {
    const counts = this.counts;
    const reported = this.reported;
    new Counter({
      name: 'redis_ambassador_commands_total',
      help: 'Client requests answered, by route (master, replica, pinned, session, local).',
      labelNames: ['route'],
      registers: [registry],
      collect() {
        for (const r of ROUTES) {
          const delta = (counts.get(r) ?? 0) - (reported.get(r) ?? 0);
          reported.set(r, counts.get(r) ?? 0);
          this.inc({ route: r }, delta);
        }
      },
    });
    const hist = new Histogram({
      name: 'redis_ambassador_command_duration_seconds',
      help: 'Time from forwarding a request to the end of its reply, by route.',
      labelNames: ['route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5],
      registers: [registry],
    });
    this.latency = new Map(ROUTES.map((r) => [r, hist.labels({ route: r })]));
    this.nodeUp = new Gauge({
      name: 'redis_ambassador_node_up',
      help: '1 when the node passes its health checks (and, for replicas, is usable for reads).',
      labelNames: ['node', 'role'],
      registers: [registry],
    });
    this.failovers = new Counter({
      name: 'redis_ambassador_failovers_total',
      help: 'Master changes seen (every pooled connection is closed on each).',
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'redis_ambassador_read_retries_total',
      help: 'Reads sent again to another node after the node serving them failed.',
      registers: [registry],
    });
    this.clientGauge = new Gauge({
      name: 'redis_ambassador_clients',
      help: 'Connected clients.',
      registers: [registry],
    });
  }

  command(route: RouteLabel, seconds: number): void {
    this.counts.set(route, (this.counts.get(route) ?? 0) + 1);
    this.latency.get(route)?.observe(seconds);
  }

  readRetried(): void {
    this.retries.inc();
  }

  clients(delta: number): void {
    this.clientGauge.inc(delta);
  }

  nodeHealth(node: string, role: 'master' | 'replica', up: boolean): void {
    // A node that changed role keeps one series only.
    this.nodeUp.remove({ node, role: role === 'master' ? 'replica' : 'master' });
    this.nodeUp.set({ node, role }, up ? 1 : 0);
  }

  failover(): void {
    this.failovers.inc();
  }
}
