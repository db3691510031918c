import { PodkitError } from '@podkit/kit';
import { RuntimeErrorCode } from '../errors.js';

export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface UserInput {
  /** The image config's `user`: `uid`, `uid:gid`, `name`, `name:group`, or empty. */
  imageUser?: string | undefined;
  /** securityContext.runAsUser (overrides the image user). */
  runAsUser?: number | undefined;
  /** securityContext.runAsGroup (overrides the primary group). */
  runAsGroup?: number | undefined;
  /** podSecurityContext.supplementalGroups. */
  supplementalGroups?: readonly number[] | undefined;
  /** Contents of the rootfs's /etc/passwd and /etc/group, when they exist. */
  passwd?: string | undefined;
  group?: string | undefined;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}
interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 4 || line.startsWith('#')) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (Number.isInteger(uid) && Number.isInteger(gid)) out.push({ name: f[0] ?? '', uid, gid });
  }
  return out;
}

function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || line.startsWith('#')) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    const members = (f[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
    out.push({ name: f[0] ?? '', gid, members });
  }
  return out;
}

const isId = (s: string): boolean => /^[0-9]+$/.test(s);

function userError(imageUser: string, what: string): PodkitError {
  return new PodkitError(
    RuntimeErrorCode.CONTAINER_USER_INVALID,
    `image user "${imageUser}": ${what}`,
    {
      hint: "use a numeric uid[:gid], or a name present in the image's /etc/passwd (/etc/group), or set securityContext.runAsUser",
    },
  );
}

/**
 * The process user, resolved like containerd's CRI plugin: runAsUser (primary gid from the
 * image's /etc/passwd, else 0) or else the image user (numeric or looked up by name), then
 * runAsGroup; additional gids = the primary gid, the /etc/group groups listing the user, and
 * supplementalGroups.
 *
 * @example
 *   resolveUser({ runAsUser: 65534 }); // { uid: 65534, gid: 0, additionalGids: [0] }
 */
export function resolveUser(input: UserInput): ProcessUser {
  const passwd = parsePasswd(input.passwd ?? '');
  const groups = parseGroup(input.group ?? '');
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  if (input.runAsUser !== undefined) {
    uid = input.runAsUser;
    const entry = passwd.find((p) => p.uid === uid);
    gid = entry?.gid ?? 0;
    name = entry?.name;
  } else if (input.imageUser !== undefined && input.imageUser !== '') {
    const [userPart = '', groupPart] = input.imageUser.split(':', 2);
    if (isId(userPart)) {
      uid = Number(userPart);
      const entry = passwd.find((p) => p.uid === uid);
      gid = entry?.gid ?? 0;
      name = entry?.name;
    } else {
      const entry = passwd.find((p) => p.name === userPart);
      if (entry === undefined)
        throw userError(input.imageUser, `no user "${userPart}" in /etc/passwd`);
      uid = entry.uid;
      gid = entry.gid;
      name = entry.name;
    }
    if (groupPart !== undefined && groupPart !== '') {
      if (isId(groupPart)) gid = Number(groupPart);
      else {
        const g = groups.find((e) => e.name === groupPart);
        if (g === undefined)
          throw userError(input.imageUser, `no group "${groupPart}" in /etc/group`);
        gid = g.gid;
      }
    }
  }
  if (input.runAsGroup !== undefined) gid = input.runAsGroup;
  const additional = [gid];
  if (name !== undefined) {
    for (const g of groups) if (g.members.includes(name)) additional.push(g.gid);
  }
  additional.push(...(input.supplementalGroups ?? []));
  return { uid, gid, additionalGids: [...new Set(additional)] };
}
