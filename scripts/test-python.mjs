#!/usr/bin/env node
// `npm run test:py`: the Python conformance suite (JAX on 8 emulated CPU devices).
// Creates python/.venv if missing, installs python/requirements.txt into it, then runs pytest.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { aptInstall, run } from './lib/system.mjs';

const PY_DIR = 'python';
const VENV = join(PY_DIR, '.venv');
const VENV_PY = join(VENV, 'bin', 'python');
const TESTS = join(PY_DIR, 'tests');

function fail(message) {
  console.error(`test-python: ${message}`);
  process.exit(1);
}

/** Test files pytest would collect; when there are any, "no tests ran" is a failure. */
function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).filter((f) =>
    /(^|\/)(test_[^/]*|[^/]*_test)\.py$/.test(String(f)),
  );
}

if (!existsSync(join(PY_DIR, 'requirements.txt'))) fail(`${PY_DIR}/requirements.txt is missing.`);

if (!existsSync(VENV_PY)) {
  const python = process.env.PYTHON ?? 'python3';
  // Debian's python3 lacks ensurepip until python3-venv is installed.
  if (run(python, ['-m', 'venv', VENV]) !== 0) {
    const why = `test-python: could not create ${VENV} with ${python} -m venv.`;
    if (!aptInstall(['python3', 'python3-venv'], why)) process.exit(1);
    if (run(python, ['-m', 'venv', '--clear', VENV]) !== 0) fail(`${python} -m venv failed again.`);
  }
}

const pip = run(VENV_PY, [
  '-m',
  'pip',
  'install',
  '--disable-pip-version-check',
  '-q',
  '-r',
  join(PY_DIR, 'requirements.txt'),
]);
if (pip !== 0) fail('pip install failed; see its output above.');

// 8 emulated CPU devices stand in for a mesh; flags already set by the caller are kept.
const env = {
  ...process.env,
  XLA_FLAGS: `${process.env.XLA_FLAGS ?? ''} --xla_force_host_platform_device_count=8`.trim(),
  JAX_PLATFORMS: process.env.JAX_PLATFORMS ?? 'cpu',
};
const pytest = run(VENV_PY, ['-m', 'pytest', '-q', TESTS], env);
// pytest exit 5: no tests were collected. That is fine only while the suite has no test files.
if (pytest === 5) {
  if (testFiles(TESTS).length > 0)
    fail('pytest collected no tests, but python/tests has test files.');
  console.log('test-python: python/tests has no tests yet.');
  process.exit(0);
}
process.exit(pytest);
