import { createHash } from 'node:crypto';
import { runCommand } from '../host/run-command.js';

/**
 * A pod's nat-table rules: its outbound masquerade, which podkit writes itself in one
 * `iptables-restore` (the bridge plugin's `ipMasq` makes the same chain with five `iptables`
 * runs, ~15 ms of each pod start and again at its removal), and the sweep that removes every
 * rule tagged with a pod's id — the masquerade, portmap's DNAT chains, and what a plugin left
 * when its netns was already gone. Rules carry the comment the CNI plugins use,
 * `name: "<network>" id: "<container id>"`, so gc finds them all the same way.
 */

/** The comment tag of a network's rules, optionally of one container's. */
function commentTag(networkName: string, containerId?: string): string {
  return containerId === undefined
    ? `name: \\"${networkName}\\"`
    : `name: \\"${networkName}\\" id: \\"${containerId}\\"`;
}

/** The pod's masquerade chain: `CNI-` and 24 hex digits, like the plugins' per-pod chains. */
export function masqueradeChain(networkName: string, containerId: string): string {
  const hash = createHash('sha256').update(`podkit-masq ${networkName} ${containerId}`);
  return `CNI-${hash.digest('hex').slice(0, 24)}`;
}

/**
 * The `iptables-restore --noflush` input that masquerades the pod's traffic leaving its
 * subnet, as the bridge plugin's ipMasq does: POSTROUTING sends the pod's source address to
 * its own chain, which accepts traffic to the pod subnet and masquerades the rest (multicast
 * excepted).
 */
export function masqueradeRestoreInput(o: {
  networkName: string;
  containerId: string;
  podIp: string;
  subnet: string;
}): string {
  const chain = masqueradeChain(o.networkName, o.containerId);
  const comment = `-m comment --comment "${commentTag(o.networkName, o.containerId)}"`;
  return [
    '*nat',
    `:${chain} - [0:0]`,
    `-A ${chain} -d ${o.subnet} ${comment} -j ACCEPT`,
    `-A ${chain} ! -d 224.0.0.0/4 ${comment} -j MASQUERADE`,
    `-A POSTROUTING -s ${o.podIp}/32 ${comment} -j ${chain}`,
    'COMMIT',
    '',
  ].join('\n');
}

/** Adds the pod's masquerade (one `iptables-restore`). */
export async function addPodMasquerade(
  o: { networkName: string; containerId: string; podIp: string; subnet: string },
  signal?: AbortSignal,
): Promise<void> {
  await runCommand(['iptables-restore', '-w', '--noflush'], {
    input: masqueradeRestoreInput(o),
    signal,
  });
}

/** nat-table rules (as iptables-save lines) carrying this network's comment, optionally for one id. */
export async function iptablesRulesOf(
  networkName: string,
  containerId?: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const r = await runCommand(['iptables-save', '-t', 'nat'], { signal });
  const tag = commentTag(networkName, containerId);
  return r.stdout.split('\n').filter((l) => l.startsWith('-A ') && l.includes(tag));
}

const PER_POD_CHAIN = /^CNI-(DN-)?[0-9a-f]{16,}$/;

/**
 * Removes every nat rule tagged with (network, containerId) and the per-container chains they
 * jump to (the masquerade chain, portmap's CNI-DN-<hash>): one `iptables-restore` of them all,
 * or rule by rule when that fails (another sweep removed one meanwhile). Safe to repeat.
 */
export async function purgeIptablesRules(
  networkName: string,
  containerId: string,
  signal?: AbortSignal,
): Promise<void> {
  const rules = await iptablesRulesOf(networkName, containerId, signal);
  if (rules.length === 0) return;
  const chains = new Set<string>();
  for (const rule of rules) {
    const argv = splitIptablesLine(rule);
    const chain = argv[1];
    const j = argv.indexOf('-j');
    const target = j >= 0 ? argv[j + 1] : undefined;
    if (target !== undefined && PER_POD_CHAIN.test(target)) chains.add(target);
    if (chain !== undefined && PER_POD_CHAIN.test(chain)) chains.add(chain);
  }
  const input = [
    '*nat',
    ...rules.map((r) => `-D${r.slice(2)}`),
    ...[...chains].flatMap((c) => [`-F ${c}`, `-X ${c}`]),
    'COMMIT',
    '',
  ].join('\n');
  const batch = await runCommand(['iptables-restore', '-w', '--noflush'], {
    input,
    signal,
    allowFailure: true,
  });
  if (batch.code === 0) return;
  for (const rule of rules) {
    await runCommand(['iptables', '-w', '-t', 'nat', '-D', ...splitIptablesLine(rule).slice(1)], {
      signal,
      allowFailure: true,
    });
  }
  for (const chain of chains) {
    await runCommand(['iptables', '-w', '-t', 'nat', '-F', chain], { signal, allowFailure: true });
    await runCommand(['iptables', '-w', '-t', 'nat', '-X', chain], { signal, allowFailure: true });
  }
}

/** Splits an iptables-save rule line into argv, honouring "…" quotes with \" escapes. */
export function splitIptablesLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === ' ') i++;
    if (i >= line.length) break;
    let token = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length) i++;
        token += line.charAt(i);
        i++;
      }
      i++;
    } else {
      while (i < line.length && line[i] !== ' ') token += line.charAt(i++);
    }
    out.push(token);
  }
  return out;
}
