export * from './validate';
export * from './probe';
export * from './caps';
