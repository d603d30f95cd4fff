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
 *   <errTotal> <errKept>\n` followed by the kept compiler stdout and stderr bytes.
 * - then the program's own stdout and stderr, untouched, and after it exits (and every process it left
 *   behind has been killed) a fixed-size trailer on stdout: `\x1econveyor-exit <status, 10 digits>\n`.
 *
 * - the supervisor's own failures go to stdout, as `\x1efailed: <message>\n` in place of the prelude: stderr
 *   is the program's alone (Docker copies the two streams independently, so their order is not kept).
 *
 * The supervisor is not a security boundary (the user's code runs as the same user and could tamper with
 * it, changing at most its own result): time, output size and memory are enforced by the host and the
 * container's cgroup.
 */

export const PRELUDE_MARK = '\x1eprelude ';
export const TRAILER_PREFIX = '\x1econveyor-exit ';
export const TRAILER_DIGITS = 10;
export const TRAILER_BYTES = TRAILER_PREFIX.length + TRAILER_DIGITS + 1;

/** Where the source and the program's input land inside the container (a size-limited tmpfs). */
export const WORK_DIR = '/sandbox';
export const STDIN_FILE = '.stdin';

const SCRIPT = String.raw`
use strict;
binmode STDIN; binmode STDOUT; binmode STDERR;
sub fail { syswrite STDOUT, "\x1efailed: $_[0]\n"; exit 70 }
sub read_exact {
  my ($n) = @_; my $buf = '';
  while (length($buf) < $n) {
    my $r = sysread(STDIN, $buf, $n - length($buf), length($buf));
    fail("stdin ended early") unless $r;
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
sub spawn {
  my ($stdin, $stdout, $stderr, @argv) = @_;
  my $pid = fork();
  fail("fork failed: $!") unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', $stdin) or exit 126;
    if (defined $stdout) { open(STDOUT, '>', $stdout) or exit 126; open(STDERR, '>', $stderr) or exit 126; }
    exec { $argv[0] } @argv;
    syswrite STDERR, "cannot run $argv[0]: $!\n";
    exit 127;
  }
  waitpid($pid, 0);
  return $?;
}
chdir($ENV{WORK_DIR}) or fail("cannot enter $ENV{WORK_DIR}: $!");
write_file($ENV{SOURCE_FILE}, read_exact($ENV{SOURCE_BYTES}));
write_file($ENV{STDIN_FILE}, read_exact($ENV{STDIN_BYTES}));
my ($compile_count, @rest) = @ARGV;
my @compile = splice(@rest, 0, $compile_count);
my @run = @rest;
my $limit = $ENV{OUTPUT_LIMIT};
if (@compile) {
  my $status = spawn('/dev/null', '.compile.out', '.compile.err', @compile);
  my ($out, $out_size) = head_of('.compile.out', $limit);
  my ($err, $err_size) = head_of('.compile.err', $limit);
  unlink('.compile.out', '.compile.err');
  syswrite STDOUT, sprintf("\x1eprelude 1 %d %d %d %d %d\n", $status, $out_size, length($out), $err_size, length($err)) . $out . $err;
  exit 0 if $status != 0;
} else {
  syswrite STDOUT, "\x1eprelude 0 0 0 0 0 0\n";
}
read_exact(1) if $ENV{GATE};
my $status = spawn($ENV{STDIN_FILE}, undef, undef, @run);
kill 'KILL', -1;
syswrite STDOUT, sprintf("\x1econveyor-exit %010d\n", $status);
exit 0;
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
  /** True when the host must apply other limits between compile and run (then it sends one byte). */
  gate: boolean;
}

export function supervisorInvocation(plan: SupervisorPlan): SupervisorInvocation {
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
      // Compilers write temporary files here: the root file system is read-only.
      `TMPDIR=${WORK_DIR}`,
      `HOME=${WORK_DIR}`,
    ],
    input: Buffer.concat([source, stdin]),
  };
}
