/**
 * The Docker create options of one sandbox container: the lock-down lives here, in one reviewable place.
 * Only a type comes from dockerode; building the options is pure.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { TaskSandboxLimits } from './limits.js';
import type { SupervisorInvocation } from './supervisor-script.js';
import { WORK_DIR } from './supervisor-script.js';

/** Labels on every sandbox container, so that leftovers can be found by deployment, worker and task. */
export const SANDBOX_LABEL = 'conveyor.sandbox';
/** Which deployment (stack) made it: a sweeper never touches another deployment's containers. */
export const DEPLOYMENT_LABEL = 'conveyor.deployment';
export const TASK_ID_LABEL = 'conveyor.task_id';
export const WORKER_ID_LABEL = 'conveyor.worker_id';

/**
 * Work directory room on top of the files limit: the source (64 KiB), the task's files (256 KiB, and a copy
 * in each test's directory), all the input (1 MiB), the binary and its copy. A test's output files share
 * the files limit with what the program writes.
 */
export const WORK_DIR_OVERHEAD_BYTES = 4 * 1024 * 1024;

/** The image's non-root user (see sandbox/Dockerfile). */
export const SANDBOX_USER = '10001:10001';

export interface ContainerSpecInput {
  image: string;
  taskId: string;
  deployment: string;
  workerId: string;
  limits: TaskSandboxLimits;
  supervisor: SupervisorInvocation;
  /** Memory for the first step: the compile limit for compiled languages, else the run limit. */
  memoryBytes: number;
}

export function sandboxContainerSpec(input: ContainerSpecInput): ContainerCreateOptions {
  const { limits } = input;
  return {
    Image: input.image,
    Cmd: input.supervisor.cmd,
    Env: input.supervisor.env,
    User: SANDBOX_USER,
    WorkingDir: WORK_DIR,
    Labels: {
      [SANDBOX_LABEL]: '1',
      [DEPLOYMENT_LABEL]: input.deployment,
      [TASK_ID_LABEL]: input.taskId,
      [WORKER_ID_LABEL]: input.workerId,
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
