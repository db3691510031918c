import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock } from './header-block.js';
import { HeaderDeflater, HeaderInflater } from './header-compression.js';

test('the dictionary is the spec table: 1423 bytes, Adler-32 0xe3c6a7c2 in every zlib header', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  // FDICT streams carry the dictionary's Adler-32 after the 2-byte header (RFC 1950).
  const z = deflateSync(Buffer.from('x'), { dictionary: SPDY3_DICTIONARY });
  assert.equal(z.readUInt32BE(2), 0xe3c6a7c2);
});

test('blocks in one context: each call inflates exactly its block, in order', async () => {
  const deflater = new HeaderDeflater();
  const inflater = new HeaderInflater();
  const blocks = Array.from({ length: 20 }, (_, i) =>
    encodeHeaderBlock([
      ['streamtype', [i % 2 === 0 ? 'error' : 'data']],
      ['port', ['8080']],
      ['requestid', [String(i >> 1)]],
    ]),
  );
  // Compressed all at once (the calls queue), inflated all at once.
  const compressed = await Promise.all(blocks.map((b) => deflater.compress(b)));
  // The later blocks reuse the first's strings: the shared context makes them smaller.
  assert.ok((compressed[2]?.length ?? 0) < (compressed[0]?.length ?? 0));
  const inflated = await Promise.all(compressed.map((c) => inflater.decompress(c)));
  assert.deepEqual(inflated, blocks);
  const first = decodeHeaderBlock(inflated[0] ?? Buffer.alloc(0));
  assert.ok('headers' in first && first.headers.get('streamtype')?.[0] === 'error');
  deflater.close();
  inflater.close();
});

test('inflation stops at the limit; a broken stream fails every later call', async () => {
  const deflater = new HeaderDeflater();
  const big = encodeHeaderBlock([['x', ['y'.repeat(100_000)]]]);
  const bomb = await deflater.compress(big);
  assert.ok(bomb.length < 1000);
  const inflater = new HeaderInflater(64 * 1024);
  await assert.rejects(inflater.decompress(bomb), /header block of more than 65536 bytes/);
  await assert.rejects(inflater.decompress(bomb));
  const other = new HeaderInflater();
  await assert.rejects(other.decompress(Buffer.from('not a zlib stream')));
  deflater.close();
});
