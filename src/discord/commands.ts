import * as video from '../../commands/video';
import * as videoLimits from '../../commands/video-limits';
import * as videoUsage from '../../commands/video-usage';
import type { CommandModule } from './command';

/** Every slash command, in the order Discord shows them. */
export const commands: readonly CommandModule[] = [video, videoLimits, videoUsage];
