/**
 * The floor of a Node proxy at `redis-benchmark -c 1`: a TCP forwarder that only passes bytes,
 * for clients with one request in flight. Request i goes to upstream i mod n, so with two
 * upstreams it shows what alternating backends costs by itself (bench/redis/run.ts).
 *
 *   node --import tsx bench/redis/bare-forwarder.ts LISTEN_PORT UPSTREAM_PORT [UPSTREAM_PORT…]
 */
import net from 'node:net';

const [listen, ...upstreams] = process.argv.slice(2).map(Number);
net
  .createServer({ noDelay: true }, (client) => {
    const ups = upstreams.map((port) => net.connect({ port, host: '127.0.0.1', noDelay: true }));
    let next = 0;
    for (const up of ups) {
      up.on('data', (d: Buffer) => client.write(d));
      up.on('error', () => client.destroy());
    }
    client.on('data', (d: Buffer) => ups[next++ % ups.length]?.write(d));
    client.on('error', () => undefined);
    client.on('close', () => {
      for (const up of ups) up.destroy();
    });
  })
  .listen(listen, '127.0.0.1');
