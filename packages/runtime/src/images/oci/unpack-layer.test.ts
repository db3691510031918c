import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { isPodkitError } from '@podkit/kit';
import { runCommand } from '../../host/run-command.js';
import { writeLayerBlob, type LayerCompression, type TarEntryInput } from './layout-writer.js';
import { unpackLayer, type UnpackLimits } from './unpack-layer.js';

/** A scratch area: `store` (where layers are unpacked) and `outside` with a canary file. */
async function scratch(t: TestContext): Promise<{
  store: string;
  outside: string;
  canary: string;
  blobs: string;
  canaryUntouched: () => Promise<void>;
}> {
  const base = await mkdtemp(path.join(tmpdir(), 'podkit-unpack-'));
  t.after(() => rm(base, { recursive: true, force: true }));
  const store = path.join(base, 'store');
  const outside = path.join(base, 'outside');
  const blobs = path.join(base, 'blobs');
  await mkdir(store);
  await mkdir(outside);
  const canary = path.join(outside, 'canary');
  await writeFile(canary, 'canary\n', { mode: 0o644 });
  const before = await stat(canary);
  return {
    store,
    outside,
    canary,
    blobs,
    canaryUntouched: async () => {
      const after = await stat(canary);
      assert.equal(await readFile(canary, 'utf8'), 'canary\n', 'canary content');
      assert.equal(after.mtimeMs, before.mtimeMs, 'canary mtime');
      assert.equal(after.mode, before.mode, 'canary mode');
      assert.equal(after.uid, before.uid, 'canary owner');
      assert.equal(after.nlink, 1, 'no hardlink to the canary');
      assert.deepEqual(await readdir(outside), ['canary'], 'nothing new outside');
    },
  };
}

async function layerFile(
  blobs: string,
  layer: { entries: TarEntryInput[] } | { tar: Uint8Array },
  compression: LayerCompression = 'gzip',
): Promise<string> {
  const d = await writeLayerBlob(blobs, { ...layer, compression });
  return path.join(blobs, 'sha256', d.digest.slice('sha256:'.length));
}

/** A ustar header for `name` declaring `size` bytes (base-256 when it does not fit octal). */
function rawHeader(name: string, size: bigint, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (size < 0o77777777777n) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  else {
    // GNU base-256: high bit of the first byte set, big-endian binary in the 12 bytes.
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    h[124] = 0x80;
  }
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

async function expectRefused(
  t: TestContext,
  layer: { entries: TarEntryInput[] } | { tar: Uint8Array },
  message: RegExp,
  options: { limits?: UnpackLimits; compression?: LayerCompression } = {},
): Promise<void> {
  const s = await scratch(t);
  const file = await layerFile(s.blobs, layer, options.compression);
  const dest = path.join(s.store, 'layer');
  await assert.rejects(
    unpackLayer({ source: createReadStream(file), dest, limits: options.limits }),
    (err: unknown) => {
      assert.ok(isPodkitError(err), String(err));
      assert.match(err.code, /^IMAGE_(LAYER_UNSAFE|FORMAT_INVALID)$/);
      assert.match(err.message, message);
      return true;
    },
  );
  await s.canaryUntouched();
  assert.deepEqual(await readdir(s.store), [], 'a refused layer leaves nothing in the store');
}

// The hostile-layer corpus: each case is refused, names the offending entry, leaves the
// canary outside the store untouched and nothing in the store.
const corpus: [string, (outside: string) => TarEntryInput[], RegExp][] = [
  ['../x', () => [{ name: '../x', content: 'pwned' }], /"\.\.\/x" contains "\.\."/],
  ['a/../../x', () => [{ name: 'a/../../x', content: 'pwned' }], /contains "\.\."/],
  ['/abs', () => [{ name: '/etc/podkit-pwned', content: 'x' }], /is an absolute path/],
  [
    'symlink then write through it',
    (o) => [
      { name: 'link', type: 'symlink', linkname: o },
      { name: 'link/canary', content: 'pwned' },
    ],
    /goes through the symlink "link"/,
  ],
  [
    'symlink chain then write',
    (o) => [
      { name: 'a', type: 'symlink', linkname: 'b' },
      { name: 'b', type: 'symlink', linkname: o },
      { name: 'a/canary', content: 'pwned' },
    ],
    /goes through the symlink "a"/,
  ],
  [
    'directory replaced by a symlink, then written',
    (o) => [
      { name: 'd/', type: 'directory' },
      { name: 'd', type: 'symlink', linkname: o },
      { name: 'd/canary', content: 'pwned' },
    ],
    /goes through the symlink "d"/,
  ],
  [
    'hardlink to an absolute path outside',
    (o) => [{ name: 'h', type: 'link', linkname: path.join(o, 'canary') }],
    /is an absolute path/,
  ],
  [
    'hardlink with ../ outside',
    () => [{ name: 'h', type: 'link', linkname: '../outside/canary' }],
    /contains "\.\."/,
  ],
  [
    'hardlink through a symlink',
    (o) => [
      { name: 's', type: 'symlink', linkname: o },
      { name: 'h', type: 'link', linkname: 's/canary' },
    ],
    /goes through the symlink "s"/,
  ],
  [
    '"." symlink (CVE-2021-29136)',
    (o) => [
      { name: '.', type: 'symlink', linkname: o },
      { name: 'canary', content: 'pwned' },
    ],
    /would replace the layer root/,
  ],
  [
    'whiteout naming ..',
    () => [{ name: 'd/.wh...', content: '' }],
    /whiteout "d\/\.wh\.\.\." names "\.\."/,
  ],
  [
    'whiteout escaping with ../',
    () => [{ name: '../.wh.outside', content: '' }],
    /contains "\.\."/,
  ],
  [
    'whiteout through a symlink',
    (o) => [
      { name: 's', type: 'symlink', linkname: o },
      { name: 's/.wh.canary', content: '' },
    ],
    /goes through the symlink "s"/,
  ],
  [
    'character device',
    () => [{ name: 'mem', type: 'character-device', devmajor: 1, devminor: 1 }],
    /device node.*refused in unprivileged images/,
  ],
  [
    'block device',
    () => [{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }],
    /device node/,
  ],
];

for (const [name, entries, message] of corpus) {
  test(`hostile layer refused: ${name}`, async (t) => {
    const s = await scratch(t);
    await rm(s.store, { recursive: true });
    // The corpus entries reference the real outside directory of their own scratch.
    const layer = { entries: entries(s.outside).map((e) => ({ ...e })) };
    await mkdir(s.store);
    const file = await layerFile(s.blobs, layer);
    await assert.rejects(
      unpackLayer({ source: createReadStream(file), dest: path.join(s.store, 'layer') }),
      (err: unknown) => {
        assert.ok(isPodkitError(err, 'IMAGE_LAYER_UNSAFE'), String(err));
        assert.match(err.message, message);
        assert.match(err.hint ?? '', /nothing of this layer was kept/);
        return true;
      },
    );
    await s.canaryUntouched();
    assert.deepEqual(await readdir(s.store), [], 'a refused layer leaves nothing in the store');
  });
}

test('hostile layer refused: a huge size header fails at once on the size limit', async (t) => {
  // 1 TiB declared (base-256), no data: refused from the header, before reading anything.
  const tar = Buffer.concat([rawHeader('huge', 1n << 40n), Buffer.alloc(1024)]);
  await expectRefused(
    t,
    { tar },
    /"huge" declares 1099511627776 bytes: more than the \d+-byte size limit/,
  );
});

test('hostile layer refused: total size over a configured limit', async (t) => {
  await expectRefused(
    t,
    {
      entries: [
        { name: 'a', content: 'x'.repeat(600) },
        { name: 'b', content: 'y'.repeat(600) },
      ],
    },
    /"b" declares 600 bytes: more than the 1000-byte size limit/,
    { limits: { maxBytes: 1000 } },
  );
});

test('hostile layer refused: the entry-count limit', async (t) => {
  const entries = Array.from({ length: 20 }, (_, i) => ({ name: `f${String(i)}`, content: '' }));
  await expectRefused(t, { entries }, /more than 10 entries/, { limits: { maxEntries: 10 } });
});

test('hostile layer refused: a truncated archive (size header beyond the data) is a format error', async (t) => {
  const tar = Buffer.concat([rawHeader('short', 4096n), Buffer.alloc(512, 0x61)]);
  await expectRefused(t, { tar }, /could not be unpacked/, { compression: 'none' });
});

test('a well-formed layer: modes, owners, setuid, symlinks, hardlinks, whiteouts, opaque dirs', async (t) => {
  const s = await scratch(t);
  const file = await layerFile(
    s.blobs,
    {
      entries: [
        { name: './', type: 'directory' },
        { name: './bin/', type: 'directory', mode: 0o755 },
        { name: './bin/su', content: '#!/bin/sh\n', mode: 0o4755, uid: 0, gid: 0 },
        { name: 'home/user/file', content: 'mine', mode: 0o600, uid: 1000, gid: 1000 },
        { name: 'etc/passwd-link', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'bin/su2', type: 'link', linkname: 'bin/su' },
        { name: 'gone/.wh.old', content: '' },
        { name: 'opaque/.wh..wh..opq', content: '' },
        { name: 'opaque/new', content: 'n' },
        { name: 'kept', content: 'same layer' },
        { name: '.wh.kept', content: '' },
        { name: 'fifo', type: 'fifo', mode: 0o600 },
      ],
    },
    'zstd',
  );
  const dest = path.join(s.store, 'layer');
  const r = await unpackLayer({ source: createReadStream(file), dest });
  assert.equal(r.entries, 12);
  const su = await stat(path.join(dest, 'bin/su'));
  assert.equal(su.mode & 0o7777, 0o4755, 'setuid kept');
  assert.equal(su.nlink, 2, 'hardlink inside the layer');
  const home = await stat(path.join(dest, 'home/user/file'));
  assert.equal(home.uid, 1000);
  assert.equal(home.mode & 0o777, 0o600);
  assert.equal(await readlink(path.join(dest, 'etc/passwd-link')), '/etc/passwd');
  const wh = await lstat(path.join(dest, 'gone/old'));
  assert.ok(wh.isCharacterDevice(), 'a whiteout is a character device');
  assert.equal(wh.rdev, 0, 'device 0:0');
  const { stdout } = await runCommand([
    'getfattr',
    '--only-values',
    '-n',
    'trusted.overlay.opaque',
    path.join(dest, 'opaque'),
  ]);
  assert.equal(stdout, 'y');
  assert.equal(
    await readFile(path.join(dest, 'kept'), 'utf8'),
    'same layer',
    'a whiteout hides lower layers only',
  );
  assert.ok((await lstat(path.join(dest, 'fifo'))).isFIFO());
  assert.deepEqual(await readdir(s.store), ['layer'], 'no temp directory left');
  await s.canaryUntouched();
});

test('a diff_id mismatch refuses the layer and leaves nothing', async (t) => {
  const s = await scratch(t);
  const file = await layerFile(s.blobs, { entries: [{ name: 'a', content: 'a' }] });
  await assert.rejects(
    unpackLayer({
      source: Readable.from([await readFile(file)]),
      dest: path.join(s.store, 'layer'),
      expectedDiffId: `sha256:${'0'.repeat(64)}`,
    }),
    (err: unknown) => isPodkitError(err, 'IMAGE_DIGEST_MISMATCH'),
  );
  assert.deepEqual(await readdir(s.store), []);
});
