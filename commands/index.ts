import * as video from './video';
import * as videoLimits from './video-limits';
import * as videoUsage from './video-usage';
import * as videoRefs from './video-refs';
import * as videoHistory from './video-history';
import * as videoStats from './video-stats';
import * as makeAVideo from './make-a-video';
import type { CommandModule } from '../src/interactions/command';

/** Every command, slash commands in the order Discord shows them, then the message context menu. */
export const commands: readonly CommandModule[] = [video, videoLimits, videoUsage, videoRefs, videoHistory, videoStats, makeAVideo];
