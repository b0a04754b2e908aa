export * from './validate';
export * from './probe';
export * from './caps';
export * from './keep';
