/** Entry of a blur helper thread (see blur-helper.ts): serves its filter thread's parts of each picture. */
import { type MessagePort, workerData } from 'node:worker_threads';
import { serveBlurJobs } from './blur-helper.js';
import { blurRows } from './gaussian-blur.js';

const { control, port } = workerData as { control: SharedArrayBuffer; port: MessagePort };
serveBlurJobs(new Int32Array(control), port, blurRows);
