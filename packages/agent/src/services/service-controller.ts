import { CoalescedLoop } from '@podkit/kit';
import { selects, type PodRecord } from '@podkit/runtime';
import type { NodeRuntime } from '@podkit/runtime/node';
import { ClusterDnsServer } from '../dns/index.js';
import { ServiceProxy } from '../proxy/index.js';
import { clusterViews } from './cluster-views.js';

export interface ServiceControllerOptions {
  readonly runtime: NodeRuntime;
  /** The nftables table of this state root's Service rules (`podkit-<tag>`). */
  readonly table: string;
  /** The pod network: its subnet (reverse DNS) and gateway (where the cluster DNS listens). */
  readonly podSubnet: string;
  readonly gateway: string;
  /** The DNS port on the gateway (53; tests may choose another). */
  readonly dnsPort?: number | undefined;
  readonly log: (message: string) => void;
}

/**
 * Keeps what serves the node's Services in step with its Services and pods, as the endpoints
 * controller, kube-proxy and CoreDNS do together: on every change it computes the endpoints
 * once (cluster-views.ts), writes the Service proxy's nftables table (replaced whole; removed
 * when the last Service goes) and gives the cluster DNS its new view. Changes that arrive while
 * a sync runs are folded into one more sync. The DNS listens on the pod network's gateway as
 * soon as that address exists (the bridge appears with the first pod).
 */
export class ServiceController implements AsyncDisposable {
  readonly #o: ServiceControllerOptions;
  readonly #proxy: ServiceProxy;
  readonly #dns: ClusterDnsServer;
  #dnsListening = false;
  #dnsLastError = '';
  /** Whether the table may exist: an earlier agent's is purged by the first sync. */
  #tableInUse = true;
  /** Syncs on every change heard, one at a time, coalesced. */
  readonly #loop = new CoalescedLoop(
    () => this.#sync(),
    (err: unknown) => {
      this.#o.log(`services: ${err instanceof Error ? err.message : String(err)}`);
    },
  );
  readonly #unsubscribe: (() => void)[] = [];

  constructor(options: ServiceControllerOptions) {
    this.#o = options;
    this.#proxy = new ServiceProxy({ table: options.table });
    this.#dns = new ClusterDnsServer({ host: options.gateway, port: options.dnsPort ?? 53 });
  }

  /** Starts following the runtime's changes; resolves after the first sync. */
  async start(): Promise<void> {
    const rt = this.#o.runtime;
    this.#unsubscribe.push(
      rt.subscribe(() => {
        this.changed();
      }),
      rt.subscribeServices(() => {
        this.changed();
      }),
    );
    this.changed();
    await this.settled();
  }

  /** Schedules a sync (coalesced with any other change meanwhile). */
  changed(): void {
    this.#loop.changed();
  }

  /**
   * Resolves once the proxy's rules and the DNS no longer send anything to `record`'s pod
   * (marked for deletion in the runtime's records): at once when no Service selects it.
   */
  async left(record: PodRecord): Promise<void> {
    const labels = record.pod.metadata.labels;
    const services = await this.#o.runtime.listServices();
    const behind = services.some(
      (r) =>
        r.service.metadata.namespace === record.namespace &&
        selects(r.service.spec.selector, labels),
    );
    if (!behind) return;
    this.changed();
    await this.settled();
  }

  /** Resolves once every change heard so far is written. */
  settled(): Promise<void> {
    return this.#loop.settled();
  }

  async #sync(): Promise<void> {
    const rt = this.#o.runtime;
    const [services, pods] = await Promise.all([rt.listServices(), rt.list()]);
    const views = clusterViews(services, pods, this.#o.podSubnet);
    await this.#listenDns();
    this.#dns.setView(views.dns);
    if (views.proxy.services.length > 0) {
      await this.#proxy.sync(views.proxy);
      this.#tableInUse = true;
    } else if (this.#tableInUse) {
      // No Service with a ClusterIP: no table (also one an earlier agent left).
      this.#tableInUse = false;
      await ServiceProxy.purge(this.#o.table);
    }
  }

  async #listenDns(): Promise<void> {
    if (this.#dnsListening) return;
    try {
      await this.#dns.listen();
      this.#dnsListening = true;
      this.#o.log(`cluster DNS listening on ${this.#o.gateway}:${this.#o.dnsPort ?? 53}`);
    } catch (err) {
      // Until the bridge has its gateway address (first pod), or while the port is taken.
      const message = err instanceof Error ? err.message : String(err);
      if (message !== this.#dnsLastError) this.#o.log(`cluster DNS not listening yet: ${message}`);
      this.#dnsLastError = message;
    }
  }

  /**
   * Stops following changes and the DNS. The proxy's table stays: Services keep carrying
   * traffic to running pods while no agent runs (the next one replaces the table whole).
   */
  async close(): Promise<void> {
    this.#loop.close();
    for (const u of this.#unsubscribe) u();
    await this.settled();
    await this.#dns.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
