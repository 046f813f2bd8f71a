import type { Job } from "bullmq";

/** The parts of a BullMQ job a processor reads before it does anything with Redis. */
export type JobRead = Pick<Job, "name" | "data">;

/**
 * A job as a processor receives it, holding only its name and data. Reading
 * anything else (moving it, updating its progress: Redis) throws, so a test
 * fails loudly if the processor gets further than it should.
 */
export function jobOf(name: string, data: unknown): Job {
  const read: JobRead = { name, data };
  const guarded = new Proxy(read, {
    get(target, property) {
      if (property === "name" || property === "data") return target[property];
      throw new Error(`the processor read job.${String(property)}, which this test job lacks`);
    },
  });
  // Only `name` and `data` exist: every other member of Job throws (above), never undefined.
  return guarded as Job;
}
