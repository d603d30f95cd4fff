/**
 * Server-side actions on the real broker, through rabbitmqctl: on the PATH (run as root) by default, or the
 * command in RABBITMQCTL, e.g. `docker exec <container> rabbitmqctl` where the broker runs in a container.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const [command = 'rabbitmqctl', ...commandArgs] = (process.env.RABBITMQCTL ?? 'rabbitmqctl')
  .split(/\s+/)
  .filter(Boolean);
const rabbitmqctl = (args: string[]) => execFileAsync(command, [...commandArgs, ...args]);

/**
 * Closes, from the server side, every connection whose client-given name starts with `namePrefix` (only this
 * run's connections: tests of other packages may share the broker). Returns how many it closed.
 */
export async function closeConnectionsNamed(namePrefix: string): Promise<number> {
  const { stdout } = await rabbitmqctl(['list_connections', 'pid', 'client_properties', '-q', '--no-table-headers']);
  const pids = stdout
    .split('\n')
    .map((line) => {
      const [pid, properties = ''] = line.split('\t');
      const name = /\{"connection_name","([^"]*)"\}/.exec(properties)?.[1];
      return name?.startsWith(namePrefix) ? pid : undefined;
    })
    .filter((pid): pid is string => Boolean(pid));
  await Promise.all(pids.map((pid) => rabbitmqctl(['close_connection', pid, 'test'])));
  return pids.length;
}
