/**
 * The API's credentials under `<root>/kube-api/`: a self-signed CA, a server certificate it
 * signed (SANs 127.0.0.1 and localhost, plus the address asked for), and a bearer token. Made
 * at the first start, reused afterwards (a kubeconfig keeps working across agent restarts).
 * Every file is 0600 and root's; the directory 0700.
 *
 * X.509 through node-forge: pure JavaScript without dependencies, the library `selfsigned`
 * and webpack-dev-server build on. The RSA keys come from Node's own (native) key generator.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { AgentErrorCode, agentError } from '../errors.js';

const generateKeyPairAsync = promisify(generateKeyPair);

export interface ApiCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** The bearer token every request must carry (never logged). */
  token: string;
}

const FILES = {
  ca: 'ca.crt',
  caKey: 'ca.key',
  cert: 'server.crt',
  key: 'server.key',
  token: 'token',
} as const;

export function credentialsDir(root: string): string {
  return path.join(root, 'kube-api');
}

/**
 * The credentials of a state root: read when all files are there, made (all of them) when
 * none is. A partial or unsafe set (not 0600, not root's) is KUBE_API_CREDENTIALS.
 *
 * @example
 *   const { caPem, token } = await ensureCredentials('/var/lib/podkit');
 */
export async function ensureCredentials(
  root: string,
  extraAddresses: readonly string[] = [],
): Promise<ApiCredentials> {
  const dir = credentialsDir(root);
  const existing = await readCredentials(dir);
  if (existing !== undefined) return existing;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const made = await makeCredentials(extraAddresses);
  const write = async (name: string, data: string): Promise<void> => {
    const file = path.join(dir, name);
    // flag 'wx': never over a file another start is writing; mode 0600 from the first byte.
    await writeFile(file, data, { mode: 0o600, flag: 'wx' });
  };
  await write(FILES.ca, made.caPem);
  await write(FILES.caKey, made.caKeyPem);
  await write(FILES.cert, made.certPem);
  await write(FILES.key, made.keyPem);
  await write(FILES.token, `${made.token}\n`);
  return { caPem: made.caPem, certPem: made.certPem, keyPem: made.keyPem, token: made.token };
}

async function readCredentials(dir: string): Promise<ApiCredentials | undefined> {
  const names = Object.values(FILES);
  const present = await Promise.all(
    names.map((n) =>
      stat(path.join(dir, n)).then(
        (s) => s,
        () => undefined,
      ),
    ),
  );
  if (present.every((s) => s === undefined)) return undefined;
  const bad = names.filter((_, i) => {
    const s = present[i];
    return s === undefined || (s.mode & 0o077) !== 0 || s.uid !== process.getuid?.();
  });
  if (bad.length > 0)
    throw agentError(
      AgentErrorCode.KUBE_API_CREDENTIALS,
      `the Kubernetes API's credentials in ${dir} are missing or unsafe (${bad.join(', ')}: each must exist, be owned by this user and have mode 0600)`,
      { hint: `remove ${dir} to have new ones made (kubeconfigs made before then stop working)` },
    );
  const read = (n: string) => readFile(path.join(dir, n), 'utf8');
  const [caPem, certPem, keyPem, token] = await Promise.all([
    read(FILES.ca),
    read(FILES.cert),
    read(FILES.key),
    read(FILES.token),
  ]);
  const t = token.trim();
  if (
    !caPem.includes('BEGIN CERTIFICATE') ||
    !certPem.includes('BEGIN CERTIFICATE') ||
    t.length < 32
  )
    throw agentError(
      AgentErrorCode.KUBE_API_CREDENTIALS,
      `the Kubernetes API's credentials in ${dir} are not the ones the agent made`,
      { hint: `remove ${dir} to have new ones made` },
    );
  return { caPem, certPem, keyPem, token: t };
}

/** A new CA, a server certificate it signed, their keys and a 256-bit token. Pure (no files). */
export async function makeCredentials(
  extraAddresses: readonly string[] = [],
): Promise<ApiCredentials & { caKeyPem: string }> {
  // Loaded here only: the agent's start on an existing root, and the CLI, never need it.
  const { default: forge } = await import('node-forge');
  const rsa = () =>
    generateKeyPairAsync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
  const [caKeys, serverKeys] = await Promise.all([rsa(), rsa()]);
  const caKey = forge.pki.privateKeyFromPem(caKeys.privateKey);
  const now = new Date();
  const serial = () => `01${randomBytes(15).toString('hex')}`;
  const years = (n: number) => {
    const d = new Date(now);
    d.setFullYear(d.getFullYear() + n);
    return d;
  };
  const caName = [{ name: 'commonName', value: `podkit-ca-${Math.floor(now.getTime() / 1000)}` }];
  const ca = forge.pki.createCertificate();
  ca.publicKey = forge.pki.publicKeyFromPem(caKeys.publicKey);
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(now.getTime() - 60_000);
  ca.validity.notAfter = years(10);
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(caKey, forge.md.sha256.create());

  const ips = [...new Set(['127.0.0.1', ...extraAddresses.filter((a) => /^[\d.]+$/.test(a))])];
  const server = forge.pki.createCertificate();
  server.publicKey = forge.pki.publicKeyFromPem(serverKeys.publicKey);
  server.serialNumber = serial();
  server.validity.notBefore = new Date(now.getTime() - 60_000);
  server.validity.notAfter = years(10);
  server.setSubject([{ name: 'commonName', value: 'podkit-apiserver' }]);
  server.setIssuer(caName);
  server.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [{ type: 2, value: 'localhost' }, ...ips.map((ip) => ({ type: 7, ip }))],
    },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  server.sign(caKey, forge.md.sha256.create());
  return {
    caPem: forge.pki.certificateToPem(ca),
    caKeyPem: caKeys.privateKey,
    certPem: forge.pki.certificateToPem(server),
    keyPem: serverKeys.privateKey,
    token: randomBytes(32).toString('base64url'),
  };
}
