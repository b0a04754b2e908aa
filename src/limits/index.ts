export * from './policy';
export * from './usage';
export * from './settings';
export * from './budget';
