/**
 * The supervisor: a small Perl program that runs as PID 1 inside each sandbox container.
 *
 * Why Perl: it is in every Debian image (perl-base is essential), starts in ~2 ms, and, unlike a shell,
 * sees the raw wait status, so "killed by SIGSEGV" and "exit(139)" stay different.
 *
 * The container's command and environment are the same for every task (supervisorContainer()): what a task
 * needs arrives on stdin, so a container can be created and started before its task is known (the warm pool,
 * sandbox-pool.ts), and a cold container and a pooled one are the same container.
 *
 * Protocol (the host side lives in sandbox-output.ts and test-frames.ts):
 * - stdin, first: the plan, `<length, 10 digits>` and that many bytes of NUL-separated words: how many
 *   environment entries follow, the entries (`MODE=stream`, `FILES=…`, the limits), then the compile argv's
 *   length, the compile argv and the run argv (what the program's environment and the supervisor's @ARGV
 *   were before). Until its first byte the supervisor waits without a deadline (a pooled container waits
 *   for its task as long as its worker keeps it; EOF, the worker gone, ends it).
 * - stdin, then: the bytes of each file of FILES (`name:length …`, the main source first), then for each run of
 *   RUNS (`stdinLength:argLength,argLength …`) its input and its arguments; then, if GATE=1, one byte the
 *   host sends once it has applied the run limits (the container may need other limits for the run).
 * - stdout, before any user code runs: the prelude, `\x1eprelude <compiled> <status> <outTotal> <outKept>
 *   <errTotal> <errKept> <timeMs> <timedOut>\n` followed by the kept compiler stdout and stderr bytes.
 * - MODE=stream (one run, no tests): the program's own stdout and stderr, untouched, and after it exits (and
 *   every process it left behind has been killed) a fixed-size trailer on stdout: `\x1econveyor-exit
 *   <status> <timeMs> <timedOut, 1 digit> <cpuMs> <memoryKb> <oomKilled, 1 digit>\n`, numbers of 10 digits.
 * - MODE=judge (tests): the program is compiled once, then each run gets a fresh directory `run` holding
 *   copies of COPY (the program or script, and the task's files), its own time limit, and its output in
 *   files watched against OUTPUT_LIMIT; after it a frame on stdout, `\x1etest <index> <status> <timeMs>
 *   <timedOut> <cpuMs> <memoryKb> <oomKilled> <outTotal> <outKept> <errTotal> <errKept>\n` and the kept
 *   bytes. With STOP_GATE=1 it then waits for one byte: `g` runs the next test, anything else stops.
 * - timedOut is 1 for the run's own limit, 2 when the task's total time (TOTAL_MS, from the supervisor's
 *   start) ran out first: then nothing more runs.
 * - CPU time and peak memory are the kernel's accounting of the program's process (wait4's rusage: user +
 *   system time, ru_maxrss); oomKilled is the container's cgroup OOM-kill counter (memory.oom_control on
 *   cgroup v1, memory.events on v2) having moved during the run. The cgroup's own usage and peak are not
 *   used: they count the supervisor and the work directory's tmpfs pages, and cannot be reset between runs
 *   from inside a read-only cgroup mount.
 * - the supervisor's own failures go to stdout, as `\x1efailed: <message>\n` in place of the prelude: stderr
 *   is the program's alone (Docker copies the two streams independently, so their order is not kept).
 * - the end: once nothing more will run (the run or the last test ended, or the compile failed), the
 *   supervisor kills and reaps every other process, then writes the end mark `\x1econveyor-end <nonce>\n`
 *   last on both streams (on stdout in the same write as the trailer). The mark is the plan's END_MARK; its
 *   nonce is a fresh random word per task, and the supervisor keeps the mark out of every child's
 *   environment. So the host knows the result is whole the moment both marks came, without waiting for Docker
 *   to report the exit (about a tenth of a second later), and a program cannot fake the end: it never sees
 *   the nonce, and nothing it wrote can follow the mark. A trailer counts only when the end mark follows it.
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

import { randomBytes } from 'node:crypto';

export const PRELUDE_MARK = '\x1eprelude ';
export const TRAILER_PREFIX = '\x1econveyor-exit ';
export const TEST_FRAME_MARK = '\x1etest ';
const END_MARK_PREFIX = '\x1econveyor-end ';
export const TRAILER_DIGITS = 10;
/** `<status> <timeMs> <timedOut> <cpuMs> <memoryKb> <oom>`: four fields of TRAILER_DIGITS, two digits, spaces. */
export const TRAILER_BODY_BYTES = 4 * TRAILER_DIGITS + 2 + 5;
export const TRAILER_BYTES = TRAILER_PREFIX.length + TRAILER_BODY_BYTES + 1;

/** The end mark of both streams (see above) for one task's nonce. */
export function endMark(nonce: string): Buffer {
  return Buffer.from(`${END_MARK_PREFIX}${nonce}\n`, 'latin1');
}

/** Where the source and the program's input land inside the container (a size-limited tmpfs). */
export const WORK_DIR = '/sandbox';

/** How long the supervisor waits for its input, and for the host's go-ahead: the host sends both at once. */
export const HOST_WAIT_MS = 20_000;

/** Exit codes of the supervisor itself (the container's exit code). */
export const SUPERVISOR_FAILED_EXIT = 70;
export const HOST_GONE_EXIT = 71;

/** The host's answer to a test frame when STOP_GATE=1. */
export const GO_ON = 'g';
export const STOP = 's';

/** System call numbers, per CPU architecture (the container runs on the host's). */
const SYSCALLS: Readonly<Partial<Record<NodeJS.Architecture, { prctl: number; wait4: number }>>> = {
  x64: { prctl: 157, wait4: 61 },
  arm64: { prctl: 167, wait4: 260 },
};

const SCRIPT = String.raw`
use strict;
use POSIX ();
use Fcntl qw(O_WRONLY O_CREAT O_EXCL O_NOFOLLOW);
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
# Set once the plan has arrived: the task's total time counts from then, not from the container's start.
my $deadline_all;
# The end mark, from the plan; never in %ENV, so no child can learn it.
my $end_mark;
# Nothing more runs: every other process is killed and reaped (so none can write after the mark), then the
# last words, and the end mark on both streams.
sub finish {
  my ($last) = @_;
  kill 'KILL', -1;
  1 while waitpid(-1, 0) > 0;
  syswrite STDOUT, $last . $end_mark;
  syswrite STDERR, $end_mark;
  POSIX::_exit(0);
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
# A new regular file, never through a link; its directories are made first. File::Path is loaded only when
# needed: it pulls in several modules, and every sandbox's start would pay for them.
sub write_file {
  my ($path, $data, $mode) = @_;
  if ($path =~ m{^(.+)/[^/]+$} && ! -d $1) { require File::Path; File::Path::make_path($1) }
  sysopen(my $fh, $path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, $mode // 0644) or fail("cannot write $path: $!");
  binmode $fh;
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
sub oom_kills {
  for my $file ('/sys/fs/cgroup/memory/memory.oom_control', '/sys/fs/cgroup/memory.events') {
    open(my $fh, '<', $file) or next;
    while (my $line = <$fh>) { return $1 if $line =~ /^oom_kill (\d+)/ }
  }
  return -1;
}
# wait4(2): (pid, wait status, CPU ms, peak RSS KiB) of a child that ended; (0) while it runs.
sub reap {
  my ($pid, $flags) = @_;
  while (1) {
    my $status = "\0" x 8; my $usage = "\0" x 256;
    my $got = syscall($ENV{WAIT4_SYSCALL}, $pid + 0, $status, $flags + 0, $usage);
    next if $got < 0 && $!{EINTR};
    return (0) if $got <= 0;
    my ($us, $uus, $ss, $sus, $rss) = unpack('q5', $usage);
    return ($got, unpack('i', $status), int(($us + $ss) * 1000 + ($uus + $sus) / 1000), $rss);
  }
}
# Runs argv with its own stdin (never the host's) until it ends, $limit_ms passes, or (with $watch) its
# output files grow past $watch bytes; then every process but this one is killed. Returns (wait status,
# time ms, timed out 0/1/2, CPU ms, peak KiB, OOM-killed 0/1, output over the limit 0/1).
sub spawn {
  my ($limit_ms, $stdin, $stdout, $stderr, $cwd, $watch, @argv) = @_;
  1 while waitpid(-1, POSIX::WNOHANG()) > 0;
  my $timed_out = 1;
  my $left_all = $deadline_all - now_ms();
  if ($left_all < $limit_ms) { $limit_ms = $left_all > 0 ? $left_all : 0; $timed_out = 2 }
  my $oom_before = oom_kills();
  my $started = now_ms();
  my $pid = fork();
  fail("fork failed: $!") unless defined $pid;
  if ($pid == 0) {
    open(STDIN, '<', $stdin) or POSIX::_exit(126);
    if (defined $stdout) { open(STDOUT, '>', $stdout) or POSIX::_exit(126); open(STDERR, '>', $stderr) or POSIX::_exit(126); }
    if (defined $cwd) { chdir($cwd) or POSIX::_exit(126) }
    exec { $argv[0] } @argv;
    syswrite STDERR, "cannot run $argv[0]: $!\n";
    POSIX::_exit(127);
  }
  my $deadline = $started + $limit_ms;
  my ($got, $status, $cpu, $rss, $ms, $over) = (0, 0, 0, 0, 0, 0);
  while (1) {
    ($got, $status, $cpu, $rss) = reap($pid, POSIX::WNOHANG());
    if ($got == $pid) { $ms = now_ms() - $started; $timed_out = 0; last }
    my $left = $deadline - now_ms();
    if ($left <= 0) { $ms = $limit_ms; last }
    if ($watch && ((-s $stdout || 0) > $watch || (-s $stderr || 0) > $watch)) { $over = 1; $timed_out = 0; $ms = now_ms() - $started; last }
    # At most 25 ms at a time: a child that ends just before select() starts is seen at the next turn.
    stdin_bytes($left < 25 ? $left : 25, 4096);
  }
  kill 'KILL', -1;
  ($got, $status, $cpu, $rss) = reap($pid, 0) unless $got == $pid;
  my $oom = $oom_before >= 0 && oom_kills() > $oom_before ? 1 : 0;
  return ($status, $ms, $timed_out, $cpu, $rss, $oom, $over);
}
# A run directory, fresh for each test: the last one is renamed away before it is removed, so even a tree
# the program made hard to remove never shows in the next run.
my $runs = 0;
sub fresh_run_dir {
  if (-e 'run') { my $old = '.old' . $runs++; rename('run', $old) or fail("cannot clear the run directory: $!"); require File::Path; File::Path::remove_tree($old, { safe => 0, error => \my $ignored }) }
  mkdir('run', 0755) or fail("cannot make the run directory: $!");
  for my $name (split / /, $ENV{COPY}) {
    open(my $in, '<:raw', $name) or fail("cannot copy $name: $!");
    my $data = do { local $/; <$in> }; close($in);
    write_file("run/$name", $data // '', (stat($name))[2] & 0777);
  }
}
{
  # Wait for the task, however long: EOF (the worker is gone) ends the container in stdin_bytes.
  my $rin = ''; vec($rin, 0, 1) = 1;
  1 until select(my $rout = $rin, undef, undef, undef) > 0;
  my $length = read_exact(10);
  $length =~ /^\d{10}$/ or fail("the plan has no length");
  my ($env_count, @words) = split /\0/, read_exact($length + 0), -1;
  for (1 .. $env_count) {
    my ($name, $value) = split /=/, shift(@words), 2;
    if ($name eq 'END_MARK') { $end_mark = $value } else { $ENV{$name} = $value }
  }
  @ARGV = @words;
  fail("the plan has no end mark") unless defined $end_mark;
}
$deadline_all = now_ms() + $ENV{TOTAL_MS};
chdir($ENV{WORK_DIR}) or fail("cannot enter $ENV{WORK_DIR}: $!");
for my $entry (split / /, $ENV{FILES}) {
  my ($name, $length) = split /:/, $entry;
  write_file($name, read_exact($length));
}
mkdir('.in', 0700) or fail("cannot make .in: $!");
my @runs;
my $index = 0;
for my $entry (split / /, $ENV{RUNS}) {
  my ($stdin_length, $arg_lengths) = split /:/, $entry, 2;
  write_file(".in/$index", read_exact($stdin_length));
  push @runs, [map { read_exact($_) } grep { length } split /,/, $arg_lengths // ''];
  $index++;
}
my ($compile_count, @rest) = @ARGV;
my @compile = splice(@rest, 0, $compile_count);
my @run = @rest;
my $limit = $ENV{OUTPUT_LIMIT};
if (@compile) {
  my ($status, $ms, $timed_out) = spawn($ENV{COMPILE_MS}, '/dev/null', '.compile.out', '.compile.err', undef, 0, @compile);
  my ($out, $out_size) = head_of('.compile.out', $limit);
  my ($err, $err_size) = head_of('.compile.err', $limit);
  unlink('.compile.out', '.compile.err');
  syswrite STDOUT, sprintf("\x1eprelude 1 %d %d %d %d %d %d %d\n", $status, $out_size, length($out), $err_size, length($err), $ms, $timed_out ? 1 : 0) . $out . $err;
  finish('') if $status != 0 || $timed_out;
} else {
  syswrite STDOUT, "\x1eprelude 0 0 0 0 0 0 0 0\n";
}
read_exact(1) if $ENV{GATE};
if ($ENV{MODE} eq 'stream') {
  my ($status, $ms, $timed_out, $cpu, $rss, $oom) = spawn($ENV{RUN_MS}, '.in/0', undef, undef, undef, 0, @run, @{$runs[0]});
  finish(sprintf("\x1econveyor-exit %010d %010d %d %010d %010d %d\n", $status, $ms, $timed_out, $cpu, $rss, $oom));
}
mkdir('.io', 0700) or fail("cannot make .io: $!");
for my $i (0 .. $#runs) {
  fresh_run_dir();
  my @result = spawn($ENV{RUN_MS}, ".in/$i", '.io/out', '.io/err', 'run', $limit, @run, @{$runs[$i]});
  my ($out, $out_size) = head_of('.io/out', $limit);
  my ($err, $err_size) = head_of('.io/err', $limit);
  unlink('.io/out', '.io/err', ".in/$i");
  syswrite STDOUT, sprintf("\x1etest %d %d %d %d %d %d %d %d %d %d %d\n", $i, @result[0 .. 5], $out_size, length($out), $err_size, length($err)) . $out . $err;
  last if $result[2] == 2;
  last if $i < $#runs && $ENV{STOP_GATE} && read_exact(1) ne 'g';
}
finish('');
`;

/** The container's command and environment: the same for every task (a task's own plan comes on stdin). */
export interface SupervisorContainer {
  cmd: string[];
  /** Besides PATH and friends from the image. */
  env: string[];
}

export interface SupervisorInvocation {
  /** What to write to the container's stdin: the plan, then the files, each run's input and arguments. */
  input: Buffer;
}

/** One run's input: the program's stdin and its arguments. */
export interface RunInput {
  stdin: Buffer;
  args: readonly string[];
}

export interface SupervisorPlan {
  /** The files written to the work directory first: the main source, then the task's files. */
  files: ReadonlyArray<{ name: string; bytes: Buffer }>;
  /** stream: one run, its output streamed (a task without tests); judge: one run per test. */
  mode: 'stream' | 'judge';
  /** One entry per run (exactly one in stream mode). */
  runs: readonly RunInput[];
  /** Judge mode: what each test's fresh directory gets a copy of (the program, the files). */
  copy: readonly string[];
  compile: readonly string[] | null;
  run: readonly string[];
  outputLimitBytes: number;
  /** The wall-time limits the supervisor enforces itself. */
  compileTimeMs: number;
  runTimeMs: number;
  totalTimeMs: number;
  /** True when the host must apply other limits between compile and run (then it sends one byte). */
  gate: boolean;
  /** Judge mode: after each test the host says whether to go on (stop_on_failure). */
  stopGate: boolean;
  /** The task's end mark: endMark() of a fresh, unguessable nonce (newEndNonce()). */
  endMark: Buffer;
}

/** A nonce for one task's end mark: 128 random bits, as hex (no space, NUL or newline). */
export function newEndNonce(): string {
  return randomBytes(16).toString('hex');
}

export function supervisorContainer(): SupervisorContainer {
  const syscalls = SYSCALLS[process.arch];
  if (syscalls === undefined) throw new Error(`the sandbox supervisor does not know prctl on ${process.arch}`);
  return {
    cmd: ['perl', '-e', SCRIPT],
    env: [
      `WORK_DIR=${WORK_DIR}`,
      `HOST_WAIT_MS=${HOST_WAIT_MS}`,
      `PRCTL_SYSCALL=${syscalls.prctl}`,
      `WAIT4_SYSCALL=${syscalls.wait4}`,
      `FAILED_EXIT=${SUPERVISOR_FAILED_EXIT}`,
      `HOST_GONE_EXIT=${HOST_GONE_EXIT}`,
      // Compilers write temporary files here: the root file system is read-only.
      `TMPDIR=${WORK_DIR}`,
      `HOME=${WORK_DIR}`,
    ],
  };
}

/** The plan's words hold no NUL: names are the contract's plain relative paths, argv words its allowlisted options. */
const PLAN_LENGTH_DIGITS = 10;

export function supervisorInvocation(plan: SupervisorPlan): SupervisorInvocation {
  if (plan.mode === 'stream' && plan.runs.length !== 1) throw new Error('a streamed sandbox runs exactly once');
  const compile = plan.compile ?? [];
  const runs = plan.runs.map((run) => ({ stdin: run.stdin, args: run.args.map((arg) => Buffer.from(arg, 'utf8')) }));
  const env = [
    `MODE=${plan.mode}`,
    // Names are the contract's plain relative paths: no space, no colon.
    `FILES=${plan.files.map((file) => `${file.name}:${file.bytes.length}`).join(' ')}`,
    `RUNS=${runs.map((run) => `${run.stdin.length}:${run.args.map((arg) => arg.length).join(',')}`).join(' ')}`,
    `COPY=${plan.copy.join(' ')}`,
    `OUTPUT_LIMIT=${plan.outputLimitBytes}`,
    `GATE=${plan.gate ? 1 : 0}`,
    `STOP_GATE=${plan.stopGate ? 1 : 0}`,
    `COMPILE_MS=${plan.compileTimeMs}`,
    `RUN_MS=${plan.runTimeMs}`,
    `TOTAL_MS=${plan.totalTimeMs}`,
    // The whole mark, so that its format is written here alone (endMark()); the supervisor keeps it from %ENV.
    `END_MARK=${plan.endMark.toString('latin1')}`,
  ];
  const words = [String(env.length), ...env, String(compile.length), ...compile, ...plan.run];
  if (words.some((word) => word.includes('\0'))) throw new Error('a sandbox plan word holds a NUL byte');
  const body = Buffer.from(words.join('\0'), 'utf8');
  return {
    input: Buffer.concat([
      Buffer.from(String(body.length).padStart(PLAN_LENGTH_DIGITS, '0'), 'ascii'),
      body,
      ...plan.files.map((file) => file.bytes),
      ...runs.flatMap((run) => [run.stdin, ...run.args]),
    ]),
  };
}
