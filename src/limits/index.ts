export * from './policy';
export * from './usage';
