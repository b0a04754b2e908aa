/**
 * The reasons a request is refused in a way the user can act on, as data: a code and the values that word it.
 * Each is worded by every language's catalogue (src/discord/messages/), which is what lets the router show it
 * as written instead of "Something went wrong". Listed here, at the bottom of the layers, so that any domain
 * module can throw one without importing the Discord adapter.
 */
export type UserReason =
  /** A stored limits record failed its schema; a moderator setting those limits again replaces it (src/limits/usage.ts). */
  | { code: 'limits_server_record_damaged' }
  | { code: 'limits_member_record_damaged'; userId: string };

/** An error the user can act on: the router shows the reason's sentence, with no reference id. */
export class UserError extends Error {
  constructor(
    readonly reason: UserReason,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UserError';
  }
}
