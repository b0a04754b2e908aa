import { z } from 'zod';

/**
 * Quota held for one job: the usage record it was reserved in, the UTC day, and its seconds. Kept on the job
 * record so that the job's end can commit or give back exactly what it took.
 */
export const reservationSchema = z.object({ key: z.string(), day: z.string(), seconds: z.number().int() });
export type Reservation = z.infer<typeof reservationSchema>;
