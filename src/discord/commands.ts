import * as video from '../../commands/video';
import type { CommandModule } from './command';

/** Every slash command, in the order Discord shows them. */
export const commands: readonly CommandModule[] = [video];
