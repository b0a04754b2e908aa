export * from './errors';
export * from './gate';
export * from './client';
export * from './parse';
export * from './language';
