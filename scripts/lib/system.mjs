// What the test scripts need from the machine: running a command visibly, and installing the
// Debian packages a suite needs (without prompting as root, as in CI; otherwise by saying how).
import { spawnSync } from 'node:child_process';

/** Runs a command with its output shown and stdin closed (CI has none); returns its exit code. */
export function run(cmd, args, env = process.env) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (r.error) console.error(`${cmd}: ${r.error.message}`);
  return r.error ? 1 : (r.status ?? 1);
}

/**
 * Installs `packages` with apt-get when running as root; returns whether it did. Otherwise
 * prints why they are needed and the command that installs them, and returns false.
 */
export function aptInstall(packages, why) {
  const root = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  const command = `apt-get install -y ${packages.join(' ')}`;
  if (!root || !hasApt) {
    console.error(
      `${why}\n  ` +
        (hasApt
          ? `Install with: sudo apt-get update && sudo ${command}`
          : `Install the equivalent of the Debian packages: ${packages.join(', ')}.`),
    );
    return false;
  }
  console.log(`${why} Installing ${packages.join(', ')}.`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (run('apt-get', ['update'], env) !== 0) return false;
  return run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], env) === 0;
}
