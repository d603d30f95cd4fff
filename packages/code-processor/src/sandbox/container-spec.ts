/**
 * The Docker create options of one sandbox container: the lock-down lives here, in one reviewable place.
 * Only a type comes from dockerode; building the options is pure.
 */
import type { ContainerCreateOptions } from 'dockerode';
import { limitsForTask, type SandboxLimitsConfig, type TaskSandboxLimits } from './limits.js';
import { supervisorContainer, WORK_DIR } from './supervisor-script.js';

/** Labels on every sandbox container, so that leftovers can be found by deployment, worker and task. */
export const SANDBOX_LABEL = 'conveyor.sandbox';
/** Which deployment (stack) made it: a sweeper never touches another deployment's containers. */
export const DEPLOYMENT_LABEL = 'conveyor.deployment';
export const TASK_ID_LABEL = 'conveyor.task_id';
export const WORKER_ID_LABEL = 'conveyor.worker_id';
/** On the warm pool's containers (sandbox-pool.ts): made before their task was known, so their task_id is empty. */
export const POOLED_LABEL = 'conveyor.pooled';

/**
 * Work directory room on top of the files limit: the source (64 KiB), the task's files (256 KiB, and a copy
 * in each test's directory), all the input (1 MiB), the binary and its copy. A test's output files share
 * the files limit with what the program writes.
 */
export const WORK_DIR_OVERHEAD_BYTES = 4 * 1024 * 1024;

/** The image's non-root user (see sandbox/Dockerfile). */
export const SANDBOX_USER = '10001:10001';

/** The limits a container is created with: the server's, the same for every task (but the memory, below). */
export type ContainerLimits = Pick<TaskSandboxLimits, 'nanoCpus' | 'pids' | 'filesBytes' | 'openFiles'>;

export interface ContainerSpecInput {
  image: string;
  /** The task's id; null for a pooled container, made before its task is known. */
  taskId: string | null;
  deployment: string;
  workerId: string;
  limits: ContainerLimits;
  /** Memory for the first step: the compile limit for compiled languages, else the run limit. */
  memoryBytes: number;
}

/**
 * The one spec of every sandbox, cold or pooled: nothing in it depends on the task but the labels and the
 * memory (which a pooled container gets with `docker update` before its task starts), so the pool cannot
 * loosen the lock-down (test/sandbox-pool.int.test.ts compares the two containers' inspect output).
 */
export function sandboxContainerSpec(input: ContainerSpecInput): ContainerCreateOptions {
  const { limits } = input;
  const supervisor = supervisorContainer();
  return {
    Image: input.image,
    Cmd: supervisor.cmd,
    Env: supervisor.env,
    User: SANDBOX_USER,
    WorkingDir: WORK_DIR,
    Labels: {
      [SANDBOX_LABEL]: '1',
      [DEPLOYMENT_LABEL]: input.deployment,
      [TASK_ID_LABEL]: input.taskId ?? '',
      [WORKER_ID_LABEL]: input.workerId,
      ...(input.taskId === null ? { [POOLED_LABEL]: '1' } : {}),
    },
    // The source and the program's input arrive on stdin (putArchive cannot write to a tmpfs or a read-only root).
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    // The engine closes the container's stdin when the worker's attach connection closes (the worker died,
    // or lost the engine): the supervisor then kills everything and exits, so no sandbox outlives its worker.
    StdinOnce: true,
    Tty: false,
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      Memory: input.memoryBytes,
      // Swap off: swap limit equal to the memory limit.
      MemorySwap: input.memoryBytes,
      NanoCpus: limits.nanoCpus,
      PidsLimit: limits.pids,
      ReadonlyRootfs: true,
      Tmpfs: {
        // Room for the program's files, plus the source, its input and the binary.
        [WORK_DIR]: `rw,exec,nosuid,nodev,size=${limits.filesBytes + WORK_DIR_OVERHEAD_BYTES},nr_inodes=4096,uid=10001,gid=10001,mode=0700`,
      },
      // No /dev/shm: it would be a second writable file system outside the files limit.
      IpcMode: 'none',
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Ulimits: [
        // A file past the limit stops the program with SIGXFSZ, rather than a write error it may ignore.
        { Name: 'fsize', Soft: limits.filesBytes, Hard: limits.filesBytes },
        { Name: 'nofile', Soft: limits.openFiles, Hard: limits.openFiles },
        { Name: 'core', Soft: 0, Hard: 0 },
      ],
      // Output goes to the attached host only: never to a log on the host's disk.
      LogConfig: { Type: 'none', Config: {} },
      AutoRemove: false,
      Privileged: false,
      Init: false,
    },
  };
}

/**
 * The warm pool's spec: the same as a cold container's, with no task, and the memory of a task that asks for
 * none (the run limit; a compiled language's compile limit is the same by default). A task needing another
 * limit gets it with `docker update` before its plan is sent.
 */
export function pooledSandboxSpec(input: {
  image: string;
  deployment: string;
  workerId: string;
  limits: SandboxLimitsConfig;
}): ContainerCreateOptions {
  const limits = limitsForTask({}, input.limits);
  return sandboxContainerSpec({ ...input, taskId: null, limits, memoryBytes: limits.runMemoryBytes });
}
