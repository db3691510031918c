#!/usr/bin/env node
// Usage: wait-for-page.js URL TEXT SECONDS — polls URL until its body contains TEXT; prints
// the body and how long it took; exits 1 after SECONDS. (Node's fetch: no curl needed.)
const [url, want, seconds = '30'] = process.argv.slice(2);
const start = performance.now();
let last = '';
for (;;) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    last = `${res.status} ${(await res.text()).trim()}`;
    if (res.status === 200 && last.includes(want)) {
      console.log(
        `[demo] page: ${last.slice(4)}  (after ${Math.round(performance.now() - start)} ms)`,
      );
      process.exit(0);
    }
  } catch (err) {
    last = String(err.cause?.code ?? err);
  }
  if (performance.now() - start > Number(seconds) * 1000) {
    console.error(`[demo] FAILED: ${url} never showed "${want}" (last: ${last})`);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 50));
}
