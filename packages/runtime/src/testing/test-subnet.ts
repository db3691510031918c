import { randomInt } from 'node:crypto';
import { mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { runCommand } from '../host/run-command.js';

/** Where test processes reserve their pod subnets (one file per /24, machine-wide). */
const RESERVATIONS = '/run/podkit-test-subnets';

/**
 * A `10.89.N.0/24` pod subnet for a test's own bridge, unique on this machine while the test
 * runs: two bridges with the same subnet send the second one's pod traffic to the first (its
 * connected route wins), which made a probe test time out for 70 s in a CI run. A subnet is
 * taken by creating `/run/podkit-test-subnets/10.89.N` exclusively (every test process of
 * the suite shares it) and skipped while any route to it exists; `t.after` gives it back.
 * `lo`–`hi` (third octet, inclusive) keeps other users of 10.89 apart.
 */
export async function reserveTestSubnet(t: TestContext, lo = 2, hi = 179): Promise<string> {
  await mkdir(RESERVATIONS, { recursive: true, mode: 0o700 });
  const routes = (await runCommand(['ip', '-4', 'route', 'show'], { allowFailure: true })).stdout;
  for (let attempt = 0; attempt < 200; attempt++) {
    const n = randomInt(lo, hi + 1);
    const subnet = `10.89.${n}.0/24`;
    if (routes.includes(`10.89.${n}.0/24 `)) continue;
    const file = path.join(RESERVATIONS, `10.89.${n}`);
    try {
      await (await open(file, 'wx')).close();
    } catch {
      continue; // another test holds it
    }
    t.after(() => rm(file, { force: true }));
    return subnet;
  }
  throw new Error(`no free test subnet in 10.89.${lo}-${hi}.0/24`);
}
