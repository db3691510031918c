/** twemproxy (Debian nutcracker) in front of one Redis, as the Redis benchmarks run it. */
import { writeFile } from 'node:fs/promises';

/** Writes a nutcracker.yml: one pool on 127.0.0.1:`listen`, one server 127.0.0.1:`redis`. */
export async function writeNutcrackerConfig(
  file: string,
  listen: number,
  redis: number,
): Promise<void> {
  await writeFile(
    file,
    [
      'pool:',
      `  listen: 127.0.0.1:${listen}`,
      '  redis: true',
      '  hash: fnv1a_64',
      '  distribution: ketama',
      '  auto_eject_hosts: false',
      '  preconnect: true',
      '  servers:',
      `    - 127.0.0.1:${redis}:1`,
      '',
    ].join('\n'),
  );
}
