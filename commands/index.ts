import * as video from './video';
import * as videoLimits from './video-limits';
import * as videoUsage from './video-usage';
import * as videoRefs from './video-refs';
import * as videoHistory from './video-history';
import * as videoStats from './video-stats';
import type { CommandModule } from '../src/interactions/command';

/** Every slash command, in the order Discord shows them. */
export const commands: readonly CommandModule[] = [video, videoLimits, videoUsage, videoRefs, videoHistory, videoStats];
