// The app of the example: it knows only "Redis on localhost:6379" — the ambassador beside it
// in the pod (or, in the development variant, a plain redis-server) is all it ever talks to.
//   GET  /        → {"visits": n, "motd": "…"}   (reads: MGET)
//   POST /visit   → {"visits": n}                (a write: INCR)
//   GET  /healthz → 200 once Redis answers PING
import http from 'node:http';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 8080);
const redis = new Redis({
  host: '127.0.0.1',
  port: 6379,
  // Fail a request after one retry instead of queueing it for ever while Redis is away.
  maxRetriesPerRequest: 1,
  retryStrategy: (times) => Math.min(times * 100, 1000),
});
redis.on('error', (err) => {
  console.log(JSON.stringify({ level: 'warn', msg: 'redis', error: err.message }));
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body) + '\n');
}

const server = http.createServer((req, res) => {
  const handle = async () => {
    if (req.method === 'POST' && req.url === '/visit') {
      return send(res, 200, { visits: await redis.incr('visits') });
    }
    if (req.method === 'GET' && req.url === '/') {
      const [visits, motd] = await redis.mget('visits', 'motd');
      return send(res, 200, { visits: Number(visits ?? 0), motd });
    }
    if (req.method === 'GET' && req.url === '/healthz') {
      await redis.ping();
      return send(res, 200, { ok: true });
    }
    return send(res, 404, { error: 'not found' });
  };
  handle().catch((err) => send(res, 503, { error: err.message }));
});
server.listen(port, '0.0.0.0', () => {
  console.log(JSON.stringify({ level: 'info', msg: 'listening', port }));
});
process.on('SIGTERM', () => {
  server.close();
  redis.disconnect();
});
