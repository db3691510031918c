import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { runCli } from './run-cli.js';
import { capture } from './testing/cli-test-env.js';
import { PODKIT_VERSION } from './version.js';

test('podkit --version prints the version of the CLI package', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  assert.equal(PODKIT_VERSION, pkg.version);
  for (const flag of ['--version', '-V']) {
    const c = capture();
    assert.equal(await runCli([flag], c.io), 0);
    assert.equal(c.out(), `${pkg.version}\n`);
  }
});
