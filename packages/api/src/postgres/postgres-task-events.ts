/**
 * TaskEvents across replicas: LISTEN on the channel the tasks table's trigger NOTIFYs (001_initial.sql) with
 * the id of a task turning final. The driver keeps one dedicated connection for it and re-LISTENs after a
 * reconnect; notifications sent while it was down are lost, so then every waiter is woken to re-read.
 */
import type { Sql } from 'postgres';
import { LocalTaskEvents, type TaskEvents, type Unsubscribe } from '../tasks/task-events.js';

export const TASK_FINAL_CHANNEL = 'conveyor_task_final';

export class PostgresTaskEvents implements TaskEvents {
  private readonly local = new LocalTaskEvents();
  private unlisten: (() => Promise<void>) | undefined;

  static async listen(sql: Sql): Promise<PostgresTaskEvents> {
    const events = new PostgresTaskEvents();
    let connects = 0;
    const { unlisten } = await sql.listen(
      TASK_FINAL_CHANNEL,
      (id) => events.local.publish(id),
      () => {
        if (connects++ > 0) events.local.wakeAll();
      },
    );
    events.unlisten = unlisten;
    return events;
  }

  subscribe(id: string, wake: () => void): Unsubscribe {
    return this.local.subscribe(id, wake);
  }

  async close(): Promise<void> {
    await this.local.close();
    await this.unlisten?.().catch(() => {});
  }
}
