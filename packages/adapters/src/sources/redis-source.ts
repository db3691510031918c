import { readFileSync } from 'node:fs';
import type { MetricSet } from '../exposition/metric-set.js';
import { parseRedisTarget, redisInfo } from './redis-client.js';
import type { TargetSource } from './source.js';

/** INFO field → redis_exporter's gauge name (without `redis_`) and a scale factor. */
const GAUGES: Record<string, string | [string, number]> = {
  active_defrag_running: 'active_defrag_running',
  allocator_active: 'allocator_active_bytes',
  allocator_allocated: 'allocator_allocated_bytes',
  allocator_frag_bytes: 'allocator_frag_bytes',
  allocator_frag_ratio: 'allocator_frag_ratio',
  allocator_resident: 'allocator_resident_bytes',
  allocator_rss_bytes: 'allocator_rss_bytes',
  allocator_rss_ratio: 'allocator_rss_ratio',
  aof_current_rewrite_time_sec: 'aof_current_rewrite_duration_sec',
  aof_enabled: 'aof_enabled',
  aof_last_bgrewrite_status: 'aof_last_bgrewrite_status',
  aof_last_cow_size: 'aof_last_cow_size_bytes',
  aof_last_rewrite_time_sec: 'aof_last_rewrite_duration_sec',
  aof_last_write_status: 'aof_last_write_status',
  aof_rewrite_in_progress: 'aof_rewrite_in_progress',
  aof_rewrite_scheduled: 'aof_rewrite_scheduled',
  blocked_clients: 'blocked_clients',
  client_recent_max_input_buffer: 'client_recent_max_input_buffer_bytes',
  client_recent_max_output_buffer: 'client_recent_max_output_buffer_bytes',
  clients_in_timeout_table: 'clients_in_timeout_table',
  cluster_connections: 'cluster_connections',
  cluster_enabled: 'cluster_enabled',
  connected_clients: 'connected_clients',
  connected_slaves: 'connected_slaves',
  active_defrag_hits: 'defrag_hits',
  active_defrag_key_hits: 'defrag_key_hits',
  active_defrag_key_misses: 'defrag_key_misses',
  active_defrag_misses: 'defrag_misses',
  expired_stale_perc: 'expired_stale_percentage',
  expired_time_cap_reached_count: 'expired_time_cap_reached_total',
  io_threads_active: 'io_threads_active',
  latest_fork_usec: ['latest_fork_seconds', 1e-6],
  lazyfree_pending_objects: 'lazyfree_pending_objects',
  loading: 'loading_dump_file',
  master_repl_offset: 'master_repl_offset',
  mem_clients_normal: 'mem_clients_normal',
  mem_clients_slaves: 'mem_clients_slaves',
  mem_fragmentation_bytes: 'mem_fragmentation_bytes',
  mem_fragmentation_ratio: 'mem_fragmentation_ratio',
  mem_not_counted_for_evict: 'mem_not_counted_for_eviction_bytes',
  maxmemory: 'memory_max_bytes',
  used_memory: 'memory_used_bytes',
  used_memory_dataset: 'memory_used_dataset_bytes',
  used_memory_lua: 'memory_used_lua_bytes',
  used_memory_overhead: 'memory_used_overhead_bytes',
  used_memory_peak: 'memory_used_peak_bytes',
  used_memory_rss: 'memory_used_rss_bytes',
  used_memory_scripts: 'memory_used_scripts_bytes',
  used_memory_startup: 'memory_used_startup_bytes',
  migrate_cached_sockets: 'migrate_cached_sockets_total',
  module_fork_in_progress: 'module_fork_in_progress',
  module_fork_last_cow_size: 'module_fork_last_cow_size',
  number_of_cached_scripts: 'number_of_cached_scripts',
  process_id: 'process_id',
  pubsub_channels: 'pubsub_channels',
  pubsub_patterns: 'pubsub_patterns',
  rdb_bgsave_in_progress: 'rdb_bgsave_in_progress',
  rdb_changes_since_last_save: 'rdb_changes_since_last_save',
  rdb_current_bgsave_time_sec: 'rdb_current_bgsave_duration_sec',
  rdb_last_bgsave_status: 'rdb_last_bgsave_status',
  rdb_last_bgsave_time_sec: 'rdb_last_bgsave_duration_sec',
  rdb_last_cow_size: 'rdb_last_cow_size_bytes',
  rdb_last_save_time: 'rdb_last_save_timestamp_seconds',
  repl_backlog_first_byte_offset: 'repl_backlog_first_byte_offset',
  repl_backlog_histlen: 'repl_backlog_history_bytes',
  repl_backlog_active: 'repl_backlog_is_active',
  sync_partial_ok: 'replica_partial_resync_accepted',
  sync_partial_err: 'replica_partial_resync_denied',
  sync_full: 'replica_resyncs_full',
  repl_backlog_size: 'replication_backlog_bytes',
  second_repl_offset: 'second_repl_offset',
  slave_expires_tracked_keys: 'slave_expires_tracked_keys',
  tracking_clients: 'tracking_clients',
  tracking_total_items: 'tracking_total_items',
  tracking_total_keys: 'tracking_total_keys',
  tracking_total_prefixes: 'tracking_total_prefixes',
  uptime_in_seconds: 'uptime_in_seconds',
};

/** INFO field → redis_exporter's counter name (without `redis_`). */
const COUNTERS: Record<string, string> = {
  total_connections_received: 'connections_received_total',
  total_commands_processed: 'commands_processed_total',
  rejected_connections: 'rejected_connections_total',
  total_net_input_bytes: 'net_input_bytes_total',
  total_net_output_bytes: 'net_output_bytes_total',
  expired_keys: 'expired_keys_total',
  evicted_keys: 'evicted_keys_total',
  keyspace_hits: 'keyspace_hits_total',
  keyspace_misses: 'keyspace_misses_total',
  used_cpu_sys: 'cpu_sys_seconds_total',
  used_cpu_user: 'cpu_user_seconds_total',
  used_cpu_sys_children: 'cpu_sys_children_seconds_total',
  used_cpu_user_children: 'cpu_user_children_seconds_total',
  used_cpu_sys_main_thread: 'cpu_sys_main_thread_seconds_total',
  used_cpu_user_main_thread: 'cpu_user_main_thread_seconds_total',
  io_threaded_reads_processed: 'io_threaded_reads_processed',
  io_threaded_writes_processed: 'io_threaded_writes_processed',
  total_error_replies: 'total_error_replies',
  dump_payload_sanitizations: 'dump_payload_sanitizations',
  total_reads_processed: 'total_reads_processed',
  total_writes_processed: 'total_writes_processed',
  unexpected_error_replies: 'unexpected_error_replies',
};

/** The `INFO` labels redis_exporter puts on `redis_instance_info`. */
const INSTANCE_LABELS = [
  'maxmemory_policy',
  'os',
  'process_id',
  'redis_build_id',
  'redis_mode',
  'redis_version',
  'role',
  'run_id',
  'tcp_port',
];

/** `key:value` lines of INFO (sections and blank lines skipped). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `calls=2,usec=11,…` → numbers. */
function subFields(value: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq), Number(part.slice(eq + 1)));
  }
  return out;
}

function numeric(v: string): number | undefined {
  if (v === 'ok') return 1;
  if (v === 'err' || v === 'fail') return 0;
  if (v === '' || !/^-?[0-9.]+(e[-+]?\d+)?$/i.test(v)) return undefined;
  return Number(v);
}

/** Adds redis_exporter-named families for one INFO text. */
export function mapInfo(set: MetricSet, info: Map<string, string>, ns = 'redis'): void {
  const labels: Record<string, string> = {};
  for (const k of INSTANCE_LABELS) labels[k] = info.get(k) ?? '';
  set.gauge(`${ns}_instance_info`, 'Information about the Redis instance', labels, 1);
  for (const [field, value] of info) {
    const gauge = GAUGES[field];
    const counter = COUNTERS[field];
    const n = numeric(value);
    if (n !== undefined && gauge !== undefined) {
      const [name, scale] = typeof gauge === 'string' ? [gauge, 1] : gauge;
      set.gauge(`${ns}_${name}`, `${field} metric`, {}, n * scale);
    } else if (n !== undefined && counter !== undefined) {
      set.counter(`${ns}_${counter}`, `${field} metric`, {}, n);
    } else if (field.startsWith('cmdstat_')) {
      const cmd = field.slice('cmdstat_'.length);
      const s = subFields(value);
      set.counter(
        `${ns}_commands_total`,
        'Total number of calls per command',
        { cmd },
        s.get('calls') ?? 0,
      );
      set.counter(
        `${ns}_commands_duration_seconds_total`,
        'Total amount of time in seconds spent per command',
        { cmd },
        (s.get('usec') ?? 0) / 1e6,
      );
      if (s.has('rejected_calls')) {
        set.counter(
          `${ns}_commands_rejected_calls_total`,
          'Total number of errors prior command execution per command',
          { cmd },
          s.get('rejected_calls') ?? 0,
        );
      }
      if (s.has('failed_calls')) {
        set.counter(
          `${ns}_commands_failed_calls_total`,
          'Total number of errors within command execution per command',
          { cmd },
          s.get('failed_calls') ?? 0,
        );
      }
    } else if (field.startsWith('errorstat_')) {
      const err = field.slice('errorstat_'.length);
      set.counter(
        `${ns}_errors_total`,
        'Total number of errors per error type',
        { err },
        subFields(value).get('count') ?? 0,
      );
    } else if (/^db\d+$/.test(field)) {
      const s = subFields(value);
      const db = { db: field };
      set.gauge(`${ns}_db_keys`, 'Total number of keys by DB', db, s.get('keys') ?? 0);
      set.gauge(
        `${ns}_db_keys_expiring`,
        'Total number of expiring keys by DB',
        db,
        s.get('expires') ?? 0,
      );
      if (s.has('avg_ttl')) {
        set.gauge(
          `${ns}_db_avg_ttl_seconds`,
          'Avg TTL in seconds',
          db,
          (s.get('avg_ttl') ?? 0) / 1000,
        );
      }
    }
  }
}

export interface RedisSourceOptions {
  /** A file holding the password, re-read on every scrape so a rotated secret is picked up. */
  passwordFile?: string | undefined;
  username?: string | undefined;
  namespace?: string | undefined;
}

/**
 * Redis `INFO ALL` → redis_exporter's metric names and types. Targets are `host:port`.
 *
 * @example new RedisSource({ passwordFile: '/etc/redis/password' })
 */
export class RedisSource implements TargetSource {
  readonly namespace: string;
  readonly #options: RedisSourceOptions;

  constructor(options: RedisSourceOptions = {}) {
    this.namespace = options.namespace ?? 'redis';
    this.#options = options;
  }

  async collect(set: MetricSet, target: string, signal: AbortSignal): Promise<void> {
    const password =
      this.#options.passwordFile === undefined
        ? undefined
        : readFileSync(this.#options.passwordFile, 'utf8').replace(/\r?\n$/, '');
    const text = await redisInfo(parseRedisTarget(target), {
      signal,
      password,
      username: this.#options.username,
    });
    mapInfo(set, parseInfo(text), this.namespace);
  }
}
