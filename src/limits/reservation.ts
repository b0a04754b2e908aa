import { z } from 'zod';

/**
 * The server's share of a job's reservation (./budget.ts): its budget record, the UTC day and month, its
 * seconds. Absent on jobs outside a server and on jobs made before budgets existed.
 */
export const serverReservationSchema = z.object({ key: z.string(), day: z.string(), month: z.string(), seconds: z.number().int() });
export type ServerReservation = z.infer<typeof serverReservationSchema>;

/**
 * Quota held for one job: the usage record it was reserved in, the UTC day, and its seconds, and the server's
 * share. Kept on the job record so that the job's end can commit or give back exactly what it took.
 */
export const reservationSchema = z.object({ key: z.string(), day: z.string(), seconds: z.number().int(), server: serverReservationSchema.optional() });
export type Reservation = z.infer<typeof reservationSchema>;
