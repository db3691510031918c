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
/** Upper bounds (seconds) of the latency histogram's buckets. */
const BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 2.5];

/** One route's latency histogram, kept as plain numbers (one array store per request). */
interface RouteStats {
  count: number;
  sum: number;
  /** Per bucket (not cumulative); the last entry counts values above every bound. */
  readonly buckets: Float64Array;
}

/** A sample of the exported histogram, in the shape prom-client's registry formats. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  metricName: string;
}

const LATENCY_NAME = 'redis_ambassador_command_duration_seconds';
const LATENCY_HELP = 'Time from forwarding a request to the end of its reply, by route.';

/**
 * prom-client's Histogram, fed from per-route counters at scrape time: its own `observe`
 * validates and hashes the label set on every call, which cost more than forwarding a GET.
 * The registry reads a metric through `getForPromString()` (and `get()`, which calls it), so
 * that is where the counters become samples; the text is the same as prom-client's.
 */
class RouteLatencyHistogram extends Histogram<'route'> {
  private readonly stats: ReadonlyMap<RouteLabel, RouteStats>;

  constructor(registry: Registry, stats: ReadonlyMap<RouteLabel, RouteStats>) {
    super({
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      labelNames: ['route'],
      buckets: BUCKETS,
      registers: [registry],
    });
    this.stats = stats;
  }

  getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    values: Sample[];
    aggregator: string;
  }> {
    const bucket = `${LATENCY_NAME}_bucket`;
    const values: Sample[] = [];
    for (const [route, st] of this.stats) {
      if (st.count === 0) continue;
      const sharedLabels = { route };
      let acc = 0;
      BUCKETS.forEach((le, i) => {
        acc += st.buckets[i] ?? 0;
        values.push({ value: acc, labels: { le }, sharedLabels, metricName: bucket });
      });
      values.push({ value: st.count, labels: { le: '+Inf' }, sharedLabels, metricName: bucket });
      values.push({ value: st.sum, labels: {}, sharedLabels, metricName: `${LATENCY_NAME}_sum` });
      values.push({
        value: st.count,
        labels: {},
        sharedLabels,
        metricName: `${LATENCY_NAME}_count`,
      });
    }
    return Promise.resolve({
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      type: 'histogram',
      values,
      aggregator: 'sum',
    });
  }
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
  private readonly stats = new Map<RouteLabel, RouteStats>(
    ROUTES.map((r) => [r, { count: 0, sum: 0, buckets: new Float64Array(BUCKETS.length + 1) }]),
  );
  private readonly nodeUp: Gauge;
  private readonly failovers: Counter;
  private readonly retries: Counter;
  private readonly clientGauge: Gauge;

  constructor(registry: Registry) {
    const stats = this.stats;
    const reported = new Map<RouteLabel, number>(ROUTES.map((r) => [r, 0]));
    new Counter({
      name: 'redis_ambassador_commands_total',
      help: 'Client requests answered, by route (master, replica, pinned, session, local).',
      labelNames: ['route'],
      registers: [registry],
      collect() {
        for (const r of ROUTES) {
          const count = stats.get(r)?.count ?? 0;
          const delta = count - (reported.get(r) ?? 0);
          reported.set(r, count);
          this.inc({ route: r }, delta);
        }
      },
    });
    new RouteLatencyHistogram(registry, stats);
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
    const st = this.stats.get(route);
    if (st === undefined) return;
    st.count++;
    st.sum += seconds;
    let i = 0;
    while (i < BUCKETS.length && seconds > (BUCKETS[i] ?? 0)) i++;
    st.buckets[i] = (st.buckets[i] ?? 0) + 1;
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
