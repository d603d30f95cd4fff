/**
 * The supervisor: a small Perl program that runs as PID 1 inside each sandbox container.
 *
 * Why Perl: it is in every Debian image (perl-base is essential), starts in ~2 ms, and, unlike a shell,
 * sees the raw wait status, so "killed by SIGSEGV" and "exit(139)" stay different.
 *
 * Protocol (the host side lives in sandbox-output.ts):
 * - stdin: exactly SOURCE_BYTES of source, then STDIN_BYTES of program input; then, if GATE=1, one byte
 *   the host sends once it has applied the run limits (the container may need other limits for the run).
 * - stdout, before any user code runs: the prelude, `\x1eprelude <compiled> <status> <outTotal> <outKept>
 *   <errTotal> <errKept> <timeMs> <timedOut>\n` followed by the kept compiler stdout and stderr bytes.
 * - then the program's own stdout and stderr, untouched, and after it exits (and every process it left
 *   behind has been killed) a fixed-size trailer on stdout:
 *   `\x1econveyor-exit <status, 10 digits> <timeMs, 10 digits> <timedOut, 1 digit>\n`.
 * - the supervisor's own failures go to stdout, as `\x1efailed: <message>\n` in place of the prelude: stderr
 *   is the program's alone (Docker copies the two streams independently, so their order is not kept).
 *
 * The supervisor measures and enforces the compile and run time limits itself (on the kernel's uptime
 * clock, which a paused or slow host does not skew), so a verdict comes from what happened to the program,
 * not from which host timer fired first; the host keeps a backstop timer a little later. Every wait has a
 * deadline, and the supervisor exits (killing everything) as soon as its stdin closes: the container's stdin
 * is attached to the worker (StdinOnce), so a sandbox dies with its worker.
 *
 * It makes itself non-dumpable first (prctl PR_SET_DUMPABLE 0): the user's code runs under the same uid, and
 * a dumpable PID 1 could be ptraced, its memory read or written through /proc/1/mem or process_vm_writev,
 * and its stdin or stdout opened through /proc/1/fd, to forge a result. Non-dumpable, all of /proc/1's
 * private parts belong to root and none of that is allowed.
 */

export const PRELUDE_MARK = '\x1eprelude ';
export const TRAILER_PREFIX = '\x1econveyor-exit ';
export const TRAILER_DIGITS = 10;
/** `<status> <timeMs> <timedOut>`: two fields of TRAILER_DIGITS, one digit, and the spaces between. */
export const TRAILER_BODY_BYTES = TRAILER_DIGITS + 1 + TRAILER_DIGITS + 1 + 1;
export const TRAILER_BYTES = TRAILER_PREFIX.length + TRAILER_BODY_BYTES + 1;

/** Where the source and the program's input land inside the container (a size-limited tmpfs). */
export const WORK_DIR = '/sandbox';
export const STDIN_FILE = '.stdin';

/** How long the supervisor waits for its input, and for the host's go-ahead: the host sends both at once. */
export const HOST_WAIT_MS = 20_000;

/** Exit codes of the supervisor itself (the container's exit code). */
export const SUPERVISOR_FAILED_EXIT = 70;
export const HOST_GONE_EXIT = 71;

/** prctl's system call number, per CPU architecture (the container runs on the host's). */
const PRCTL_SYSCALL: Readonly<Partial<Record<NodeJS.Architecture, number>>> = { x64: 157, arm64: 167 };

const SCRIPT = String.raw`
use strict;
use POSIX ();
binmode STDIN; binmode STDOUT; binmode STDERR;
sub fail { syswrite STDOUT, "\x1efailed: $_[0]\n"; kill 'KILL', -1; POSIX::_exit($ENV{FAILED_EXIT}) }
syscall($ENV{PRCTL_SYSCALL}, 4, 0, 0, 0, 0) == 0 or fail("cannot make the supervisor non-dumpable: $!");
# A handler (not the default, ignore) so that a child's end interrupts select() at once.
$SIG{CHLD} = sub {};
$SIG{PIPE} = 'IGNORE';
sub now_ms {
  open(my $fh, '<', '/proc/uptime') or fail("cannot read the clock: $!");
  my $line = <$fh>; close($fh);
  $line =~ /^(\d+)\.(\d\d)/ or fail("cannot read the clock");
  return $1 * 1000 + $2 * 10;
}
# The host is gone (stdin closed): nobody will read a result, so stop everything now.
sub host_gone { kill 'KILL', -1; POSIX::_exit($ENV{HOST_GONE_EXIT}) }
# Sleeps up to $ms or until stdin has bytes; returns what was read ('' if none). EOF on stdin ends it all.
sub stdin_bytes {
  my ($ms, $max) = @_;
  my $rin = ''; vec($rin, 0, 1) = 1;
  my $n = select(my $rout = $rin, undef, undef, $ms / 1000);
  return '' unless $n > 0;
  my $buf = '';
  my $r = sysread(STDIN, $buf, $max);
  host_gone() unless $r;
  return $buf;
}
sub read_exact {
  my ($n) = @_; my $buf = '';
  my $deadline = now_ms() + $ENV{HOST_WAIT_MS};
  while (length($buf) < $n) {
    my $left = $deadline - now_ms();
    fail("no input from the host in time") if $left <= 0;
    $buf .= stdin_bytes($left, $n - length($buf));
  }
  return $buf;
}
sub write_file {
  my ($path, $data) = @_;
  open(my $fh, '>:raw', $path) or fail("cannot write $path: $!");
  print $fh $data or fail("cannot write $path: $!");
  close($fh) or fail("cannot write $path: $!");
}
sub head_of {
  my ($path, $limit) = @_;
  open(my $fh, '<:raw', $path) or return ('', 0);
  my $size = -s $fh; my $kept = '';
  read($fh, $kept, $limit);
  close($fh);
  return ($kept, $size);
}
# Runs argv with its own stdin (never the host's) until it ends or $limit_ms passes; then every process but
# this one is killed. Returns (wait status, time in ms, 1 if stopped at the limit).
sub spawn {
  my ($limit_ms, $stdin, $stdout, $stderr, @argv) = @_;
  my $started = now_ms();
  my $pid = fork();
  fail("fork failed: $!") unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', $stdin) or POSIX::_exit(126);
    if (defined $stdout) { open(STDOUT, '>', $stdout) or POSIX::_exit(126); open(STDERR, '>', $stderr) or POSIX::_exit(126); }
    exec { $argv[0] } @argv;
    syswrite STDERR, "cannot run $argv[0]: $!\n";
    POSIX::_exit(127);
  }
  my $deadline = $started + $limit_ms;
  while (1) {
    if (waitpid($pid, POSIX::WNOHANG()) == $pid) {
      my $status = $?;
      my $ended = now_ms();
      kill 'KILL', -1;
      return ($status, $ended - $started, 0);
    }
    my $left = $deadline - now_ms();
    if ($left <= 0) {
      kill 'KILL', -1;
      waitpid($pid, 0);
      return ($?, $limit_ms, 1);
    }
    # At most 25 ms at a time: a child that ends just before select() starts is seen at the next turn.
    stdin_bytes($left < 25 ? $left : 25, 4096);
  }
}
chdir($ENV{WORK_DIR}) or fail("cannot enter $ENV{WORK_DIR}: $!");
write_file($ENV{SOURCE_FILE}, read_exact($ENV{SOURCE_BYTES}));
write_file($ENV{STDIN_FILE}, read_exact($ENV{STDIN_BYTES}));
my ($compile_count, @rest) = @ARGV;
my @compile = splice(@rest, 0, $compile_count);
my @run = @rest;
my $limit = $ENV{OUTPUT_LIMIT};
if (@compile) {
  my ($status, $ms, $timed_out) = spawn($ENV{COMPILE_MS}, '/dev/null', '.compile.out', '.compile.err', @compile);
  my ($out, $out_size) = head_of('.compile.out', $limit);
  my ($err, $err_size) = head_of('.compile.err', $limit);
  unlink('.compile.out', '.compile.err');
  syswrite STDOUT, sprintf("\x1eprelude 1 %d %d %d %d %d %d %d\n", $status, $out_size, length($out), $err_size, length($err), $ms, $timed_out) . $out . $err;
  POSIX::_exit(0) if $status != 0 || $timed_out;
} else {
  syswrite STDOUT, "\x1eprelude 0 0 0 0 0 0 0 0\n";
}
read_exact(1) if $ENV{GATE};
my ($status, $ms, $timed_out) = spawn($ENV{RUN_MS}, $ENV{STDIN_FILE}, undef, undef, @run);
syswrite STDOUT, sprintf("\x1econveyor-exit %010d %010d %d\n", $status, $ms, $timed_out);
POSIX::_exit(0);
`;

export interface SupervisorInvocation {
  /** The container's Cmd. */
  cmd: string[];
  /** The container's Env (besides PATH and friends from the image). */
  env: string[];
  /** What to write to the container's stdin before anything else. */
  input: Buffer;
}

export interface SupervisorPlan {
  sourceFile: string;
  source: string;
  stdin: string;
  compile: readonly string[] | null;
  run: readonly string[];
  outputLimitBytes: number;
  /** The wall-time limits the supervisor enforces itself. */
  compileTimeMs: number;
  runTimeMs: number;
  /** True when the host must apply other limits between compile and run (then it sends one byte). */
  gate: boolean;
}

export function supervisorInvocation(plan: SupervisorPlan): SupervisorInvocation {
  const prctl = PRCTL_SYSCALL[process.arch];
  if (prctl === undefined) throw new Error(`the sandbox supervisor does not know prctl on ${process.arch}`);
  const source = Buffer.from(plan.source, 'utf8');
  const stdin = Buffer.from(plan.stdin, 'utf8');
  const compile = plan.compile ?? [];
  return {
    cmd: ['perl', '-e', SCRIPT, String(compile.length), ...compile, ...plan.run],
    env: [
      `WORK_DIR=${WORK_DIR}`,
      `SOURCE_FILE=${plan.sourceFile}`,
      `SOURCE_BYTES=${source.length}`,
      `STDIN_FILE=${STDIN_FILE}`,
      `STDIN_BYTES=${stdin.length}`,
      `OUTPUT_LIMIT=${plan.outputLimitBytes}`,
      `GATE=${plan.gate ? 1 : 0}`,
      `COMPILE_MS=${plan.compileTimeMs}`,
      `RUN_MS=${plan.runTimeMs}`,
      `HOST_WAIT_MS=${HOST_WAIT_MS}`,
      `PRCTL_SYSCALL=${prctl}`,
      `FAILED_EXIT=${SUPERVISOR_FAILED_EXIT}`,
      `HOST_GONE_EXIT=${HOST_GONE_EXIT}`,
      // Compilers write temporary files here: the root file system is read-only.
      `TMPDIR=${WORK_DIR}`,
      `HOME=${WORK_DIR}`,
    ],
    input: Buffer.concat([source, stdin]),
  };
}
