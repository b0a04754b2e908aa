import * as video from './video';
import * as videoLimits from './video-limits';
import * as videoUsage from './video-usage';
import * as videoRefs from './video-refs';
import type { CommandModule } from '../src/interactions/command';

/** Every slash command, in the order Discord shows them. */
export const commands: readonly CommandModule[] = [video, videoLimits, videoUsage, videoRefs];
